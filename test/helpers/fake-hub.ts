import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

// A loopback stand-in for the Hugging Face Hub: the URL layout huggingface_hub
// downloads from (`/api/models/{repo}/revision/{rev}?blobs=true` listing the
// files, `/{repo}/resolve/{rev}/{file}` with ETag, X-Repo-Commit,
// Content-Length and Range support). It records every request, and can drop
// the connection part-way through a file, as a flaky network does.

export interface HubRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
  /** Body bytes sent (before any drop). */
  sent: number;
}

interface HubFile {
  name: string;
  content: Buffer;
  sha256: string;
}

export class FakeHub {
  readonly requests: HubRequest[] = [];
  /** While set, a download of this file stops after `afterBytes` (ranged requests get nothing) and the connection is cut. */
  drop: { file: string; afterBytes: number } | null = null;
  private readonly repos = new Map<string, { commit: string; files: HubFile[] }>();
  private server!: Server;
  url = '';

  static async start(): Promise<FakeHub> {
    const hub = new FakeHub();
    hub.server = createServer((req, res) => hub.handle(req, res));
    await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
    hub.url = `http://127.0.0.1:${(hub.server.address() as { port: number }).port}`;
    return hub;
  }

  /** Serves every file of a folder (and `extra` files) as repository `repo`. */
  async addRepo(repo: string, folder: string, extra: Record<string, Buffer> = {}): Promise<void> {
    const names = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    const contents: Array<[string, Buffer]> = [...(await Promise.all(names.map(async (n) => [n, await readFile(join(folder, n))] as [string, Buffer]))), ...Object.entries(extra)];
    const files = contents.map(([name, content]) => ({ name, content, sha256: createHash('sha256').update(content).digest('hex') }));
    this.repos.set(repo, { commit: createHash('sha1').update(repo).digest('hex'), files });
  }

  file(repo: string, name: string): Buffer | undefined {
    return this.repos.get(repo)?.files.find((f) => f.name === name)?.content;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url!, this.url).pathname);
    const record: HubRequest = { method: req.method!, path, range: req.headers.range, authorization: req.headers.authorization, sent: 0 };
    this.requests.push(record);
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(path);
    if (api) return this.listing(res, api[1]!);
    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve) return this.download(req, res, record, resolve[1]!, resolve[3]!);
    res.writeHead(404).end();
  }

  private listing(res: ServerResponse, repo: string): void {
    const found = this.repos.get(repo);
    if (!found) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound', 'content-type': 'application/json' }).end('{"error":"Repository not found"}');
    const siblings = found.files.map((f) => ({
      rfilename: f.name,
      size: f.content.length,
      blobId: createHash('sha1').update(f.content).digest('hex'),
      ...(/\.(safetensors|bin|gguf)$/.test(f.name) ? { lfs: { sha256: f.sha256, size: f.content.length, pointerSize: 134 } } : {}),
    }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: repo, modelId: repo, sha: found.commit, private: false, siblings }));
  }

  private download(req: IncomingMessage, res: ServerResponse, record: HubRequest, repo: string, name: string): void {
    const found = this.repos.get(repo);
    const file = found?.files.find((f) => f.name === name);
    if (!found || !file) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = file.content.subarray(start);
    const headers = {
      etag: `"${file.sha256}"`,
      'x-repo-commit': found.commit,
      'accept-ranges': 'bytes',
      'content-length': String(body.length),
      'content-type': 'application/octet-stream',
      ...(start ? { 'content-range': `bytes ${start}-${file.content.length - 1}/${file.content.length}` } : {}),
    };
    res.writeHead(start ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    if (this.drop?.file === name) {
      const part = start ? Buffer.alloc(0) : body.subarray(0, this.drop.afterBytes);
      record.sent = part.length;
      return void res.write(part, () => setTimeout(() => res.destroy(), 50));
    }
    record.sent = body.length;
    res.end(body);
  }
}
