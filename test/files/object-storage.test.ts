import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Mistral } from '@mistralai/mistralai';
import OpenAI, { toFile } from 'openai';
import { demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { parseRecordId } from '../../src/ids/ids.ts';
import { createPostgresDatabase } from '../helpers/backends.ts';
import { isFinished, upload, waitForJob } from '../helpers/jobs.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { freePort, startServer, type TestServer } from '../helpers/server.ts';
import { DEFAULT_TENANT } from '../helpers/tenants.ts';

// Files in a real S3 server (s3rver) through the official SDKs: uploads land in
// the bucket under the configured prefix and nowhere on local disk, downloads
// come back byte for byte, and two servers on one Postgres and one bucket serve
// each other's files and signed links.

let s3: TestS3;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.close());

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const download = async (client: OpenAI, id: string) => Buffer.from(await (await client.files.content(id)).arrayBuffer());
const uuidOf = (openAiId: string) => parseRecordId('file', openAiId)!;

/** The bucket's objects below a blob URL's prefix: key (relative to the prefix) → content digest. */
async function bucketContents(blobUrl: string): Promise<Map<string, string>> {
  const { location, client, keys } = s3.objectsAt(blobUrl);
  const out = new Map<string, string>();
  for (const key of await keys()) {
    const body = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: `${location.prefix}/${key}` }));
    out.set(key, sha(Buffer.from(await body.Body!.transformToByteArray())));
  }
  return out;
}

/** What a data directory's blob folders hold (uploads must leave nothing there). */
async function localBlobs(t: TestServer): Promise<string[]> {
  const list = (dir: string) => readdir(join(t.dataDir, dir)).catch(() => [] as string[]);
  return [...(await list('files')).map((f) => `files/${f}`), ...(await list('tmp')).map((f) => `tmp/${f}`)];
}

test('uploads stream into the bucket (multipart when large), download byte for byte, leave nothing on disk; rejected uploads and deletes leave no object', async () => {
  const blobUrl = s3.blobUrl();
  const t = await startServer({ blobUrl }, { awsEnv: s3.env });
  try {
    const big = randomBytes(12 * 1024 * 1024 + 123); // above the 8 MiB part size: a multipart upload
    const small = Buffer.from(demoTrainingJsonl());
    const bigFile = await t.client.files.create({ file: await toFile(big, 'big.bin'), purpose: 'batch' });
    const smallFile = await upload(t.client, small, 'train.jsonl');
    assert.equal(bigFile.bytes, big.length);

    assert.ok((await download(t.client, bigFile.id)).equals(big));
    assert.ok((await download(t.client, smallFile.id)).equals(small));
    assert.deepEqual(await bucketContents(blobUrl), new Map([
      [`files/${uuidOf(bigFile.id)}`, sha(big)],
      [`files/${uuidOf(smallFile.id)}`, sha(small)],
    ]));
    assert.deepEqual(await localBlobs(t), []);

    const refused = await upload(t.client, '{"messages": [}\n', 'bad.jsonl').then(() => assert.fail('a bad JSONL upload was accepted'), (err: unknown) => err);
    assert.ok(refused instanceof OpenAI.BadRequestError, String(refused));
    assert.equal((await bucketContents(blobUrl)).size, 2, 'a rejected upload leaves no object');

    const deleted = await t.client.files.delete(bigFile.id);
    assert.equal(deleted.deleted, true);
    assert.deepEqual([...(await bucketContents(blobUrl)).keys()], [`files/${uuidOf(smallFile.id)}`]);
    assert.deepEqual(await localBlobs(t), []);
  } finally {
    await t.close();
  }
});

test('two servers on one Postgres and one bucket: a file uploaded through A downloads through B, A\'s signed link works on B, B trains from a local copy', async () => {
  const database = await createPostgresDatabase();
  const blobUrl = s3.blobUrl();
  const a = await startServer({ databaseUrl: database.url, blobUrl }, { awsEnv: s3.env });
  const b = await startServer({ databaseUrl: database.url, blobUrl }, { awsEnv: s3.env });
  try {
    const content = Buffer.concat([Buffer.from(demoTrainingJsonl()), Buffer.from(`${JSON.stringify({ text: randomBytes(2_000_000).toString('base64') })}\n`)]);
    const file = await upload(a.client, content, 'train.jsonl');
    assert.ok((await download(b.client, file.id)).equals(content));
    assert.equal((await b.client.files.retrieve(file.id)).bytes, content.length);

    const { url } = await new Mistral({ apiKey: 'test-key', serverURL: `${a.url}/mistral` }).files.getSignedUrl({ fileId: uuidOf(file.id), expiry: 1 });
    const onB = new URL(url);
    onB.host = new URL(b.url).host;
    const res = await fetch(onB); // no API key: the signature is the credential
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(content));
    const tampered = new URL(onB);
    tampered.searchParams.set('expires', String(Number(onB.searchParams.get('expires')) + 1));
    assert.equal((await fetch(tampered)).status, 403);

    // What the trainer reads: a copy fetched once into B's data directory.
    const row = await b.server.ctx.files.get(DEFAULT_TENANT, uuidOf(file.id));
    const path = await b.server.ctx.files.localCopy(row);
    assert.equal(path, join(b.dataDir, 'files', row.blob_key));
    assert.ok((await readFile(path)).equals(content));
    await b.client.files.delete(file.id);
    assert.deepEqual(await localBlobs(b), [], 'a delete removes the local copy with the object');
    assert.equal((await bucketContents(blobUrl)).size, 0);
    await assert.rejects(a.client.files.content(file.id), OpenAI.NotFoundError);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await database.drop();
  }
});

test('a job trains from a file kept in the bucket, and its result file is stored there', async () => {
  const blobUrl = s3.blobUrl();
  const t = await startServer({ blobUrl }, { awsEnv: s3.env });
  try {
    const training = await upload(t.client, demoTrainingJsonl(), 'train.jsonl');
    const created = await t.client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id, hyperparameters: { n_epochs: 1 } });
    const job = await waitForJob(t.client, created.id, isFinished);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const stored = await bucketContents(blobUrl);
    assert.ok(stored.has(`files/${uuidOf(training.id)}`));
    assert.ok(stored.has(`files/${uuidOf(job.result_files[0]!)}`), [...stored.keys()].join(', '));
    const csv = Buffer.from(await (await t.client.files.content(job.result_files[0]!)).text(), 'base64').toString();
    assert.match(csv, /^step,/);
  } finally {
    await t.close();
  }
});

test('an object store that cannot be reached stops the start with a message naming the settings', async () => {
  const nobody = `http://127.0.0.1:${await freePort()}`;
  await assert.rejects(
    startServer({ blobUrl: s3.blobUrl() }, { awsEnv: { ...s3.env, AWS_ENDPOINT_URL: nobody } }),
    (err: Error) => /SELFTUNE_BLOB_URL/.test(err.message) && /AWS_ENDPOINT_URL/.test(err.message) && err.message.includes(nobody),
  );
  await assert.rejects(
    startServer({ blobUrl: 's3://no-such-bucket-here/p' }, { awsEnv: s3.env }),
    (err: Error) => /bucket 'no-such-bucket-here'/.test(err.message) && /the bucket does not exist/.test(err.message),
  );
});
