import { request as httpRequest } from 'node:http';

// What the SDKs never send (malformed URLs and bodies), sent byte for byte.

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

/** Sends `authorization: Bearer test-key` unless `headers` gives one; `null` sends a header not at all. */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string | null> = {}, body?: string | Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const sent = Object.fromEntries(Object.entries({ authorization: 'Bearer test-key', ...headers }).filter((h): h is [string, string] => h[1] !== null));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A multipart body with one `purpose` field and one file part; `disposition` is the part's raw Content-Disposition tail. */
export function multipartBody(disposition: string, content: string, purpose = 'fine-tune', { truncate = false } = {}) {
  const boundary = 'selftuneBoundary7MA4YWxk';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(content), Buffer.from(truncate ? '' : `\r\n--${boundary}--\r\n`)]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) } };
}
