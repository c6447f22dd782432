import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import type { Upload } from 'openai/resources/uploads/uploads';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';

// Shared by the Uploads API tests: a chat JSONL file of a given size, its
// parts, and what the blob store holds of parts.

/** Chat examples (the demo set, repeated) until the file is at least `minBytes` long. */
export function chatJsonlOfAtLeast(minBytes: number): Buffer {
  const demo = demoTrainingJsonl();
  return Buffer.from(demo.repeat(Math.ceil(minBytes / demo.length)));
}

/** `content` cut into parts of `partBytes` (the last one shorter). */
export function cut(content: Buffer, partBytes: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < content.length; at += partBytes) parts.push(content.subarray(at, at + partBytes));
  return parts;
}

export const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** Creates an upload for `content` and adds `parts` in parallel, started in reverse order; returns the part ids in file order. */
export async function uploadInParts(client: OpenAI, content: Buffer, parts: Buffer[], filename = 'big-train.jsonl'): Promise<{ upload: Upload; partIds: string[]; arrival: string[] }> {
  const upload = await client.uploads.create({ bytes: content.length, filename, mime_type: 'text/jsonl', purpose: 'fine-tune' });
  const arrival: string[] = [];
  const ids = new Array<string>(parts.length);
  await Promise.all([...parts.keys()].reverse().map(async (i) => {
    const part = await client.uploads.parts.create(upload.id, { data: await toFile(parts[i]!, `part-${i}`) });
    arrival.push(part.id);
    ids[i] = part.id;
  }));
  return { upload, partIds: ids, arrival };
}

/** The part blobs a disk blob store holds (`files/upload-parts/`). */
export const partBlobs = (dataDir: string) => readdir(join(dataDir, 'files', 'upload-parts')).catch(() => [] as string[]);

/** The error an SDK call was refused with. */
export async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await call.then(() => null, (e: unknown) => e);
  if (!(err instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(err)}`);
  return err;
}
