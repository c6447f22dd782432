import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalDataMirror } from '../../src/blobs/local-data-mirror.ts';
import { S3DataMirror } from '../../src/blobs/s3-data-mirror.ts';
import { startS3Server, type TestS3 } from '../helpers/s3-server.ts';
import { tempDir } from '../helpers/server.ts';

// The data mirror against a real S3 server: nested folders go up and come back
// whole, a prefix never catches its siblings, and removal leaves nothing.

let s3: TestS3;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.close());

/** Two machines' data directories sharing one bucket prefix. */
async function twoMirrors() {
  const { location, client, keys } = s3.objectsAt(s3.blobUrl());
  const [dirA, dirB] = [await tempDir('mirror-a'), await tempDir('mirror-b')];
  return {
    a: new S3DataMirror(client, location, dirA), b: new S3DataMirror(client, location, dirB), dirA, dirB, keys: () => keys(),
    close: async () => Promise.all([rm(dirA, { recursive: true, force: true }), rm(dirB, { recursive: true, force: true })]),
  };
}

async function write(path: string, content: string | Buffer) {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

/** Every file below `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

test('a nested folder pushed from one data directory is fetched whole into another; its sibling prefix is left alone', async () => {
  const m = await twoMirrors();
  try {
    const weights = Buffer.alloc(11 * 1024 * 1024 + 7, 3); // above one part: a multipart upload
    await write(join(m.dirA, 'runs/job1/checkpoints/step-2/adapter.safetensors'), weights);
    await write(join(m.dirA, 'runs/job1/checkpoints/step-2/config.json'), '{"r":8}');
    await write(join(m.dirA, 'runs/job1/spec.json'), '{}');
    await write(join(m.dirA, 'runs/job10/spec.json'), '{"other":true}');
    await m.a.push('runs/job1');
    assert.deepEqual(await m.keys(), ['runs/job1/checkpoints/step-2/adapter.safetensors', 'runs/job1/checkpoints/step-2/config.json', 'runs/job1/spec.json']);

    assert.equal(await m.b.fetch('runs/job1'), true);
    assert.deepEqual(await tree(m.dirB), ['runs/job1/checkpoints/step-2/adapter.safetensors', 'runs/job1/checkpoints/step-2/config.json', 'runs/job1/spec.json']);
    assert.ok((await readFile(join(m.dirB, 'runs/job1/checkpoints/step-2/adapter.safetensors'))).equals(weights));

    await m.a.push('runs/job10/spec.json'); // a single file
    assert.equal(await m.b.fetch('runs/job10/spec.json'), true);
    assert.equal(await readFile(join(m.dirB, 'runs/job10/spec.json'), 'utf8'), '{"other":true}');
    assert.equal(await m.b.fetch('runs/job2'), false);
    assert.deepEqual(await readdir(join(m.dirB, 'runs')), ['job1', 'job10']); // no temporary names left
  } finally {
    await m.close();
  }
});

test('fetch downloads only what is missing locally; remove deletes a folder and nothing beside it', async () => {
  const m = await twoMirrors();
  try {
    await write(join(m.dirA, 'models/org/base/config.json'), '{"a":1}');
    await write(join(m.dirA, 'models/org/base/weights/part-1.bin'), 'one');
    await write(join(m.dirA, 'models/org/base-2/config.json'), '{"b":2}');
    await m.a.push('models');
    await write(join(m.dirB, 'models/org/base/config.json'), '{"a":9}'); // same size: taken as present
    assert.equal(await m.b.fetch('models/org/base'), true);
    assert.equal(await readFile(join(m.dirB, 'models/org/base/config.json'), 'utf8'), '{"a":9}');
    assert.equal(await readFile(join(m.dirB, 'models/org/base/weights/part-1.bin'), 'utf8'), 'one');

    await m.b.remove('models/org/base');
    assert.deepEqual(await m.keys(), ['models/org/base-2/config.json']);
    assert.equal(await m.a.fetch('models/org/base/weights'), true, 'the local copy is the caller\'s and stays');
    await assert.rejects(m.a.push('models/org/nothing-here'), /Nothing to upload/);
    await assert.rejects(m.a.remove('../outside'), /Not a path inside the data directory/);
    await assert.rejects(m.a.fetch(''), /Not a path inside the data directory/);
  } finally {
    await m.close();
  }
});

test('has: a model folder is in the store only when every local file is there at its size; another data directory\'s upload counts', async () => {
  const m = await twoMirrors();
  try {
    const files = { 'models/base/config.json': '{"a":1}', 'models/base/model.safetensors': 'weights', 'models/base-2/config.json': '{}' };
    for (const [rel, content] of Object.entries(files)) {
      await write(join(m.dirA, rel), content);
      await write(join(m.dirB, rel), content);
    }
    assert.equal(await m.a.has('models/base'), false, 'nothing uploaded yet');
    await m.a.push('models/base/config.json'); // an upload cut short: the weights never arrived
    assert.equal(await m.a.has('models/base'), false);
    await m.a.push('models/base');
    assert.equal(await m.b.has('models/base'), true, 'uploaded from another data directory');
    assert.equal(await m.b.has('models/base-2'), false, 'a sibling prefix is not taken for it');
    await write(join(m.dirB, 'models/base/model.safetensors'), 'other weights'); // a different local copy
    assert.equal(await m.b.has('models/base'), false);
    assert.equal(await m.b.has('models/absent'), false);
  } finally {
    await m.close();
  }
});

test('without object storage the mirror only reports whether the data directory has a path', async () => {
  const dir = await tempDir('mirror-local');
  try {
    const mirror = new LocalDataMirror(dir);
    assert.equal(mirror.location, null);
    await write(join(dir, 'runs/j/spec.json'), '{}');
    assert.equal(await mirror.fetch('runs/j'), true);
    assert.equal(await mirror.fetch('runs/j/spec.json'), true);
    assert.equal(await mirror.fetch('runs/k'), false);
    assert.equal(await mirror.has('runs/j'), true);
    assert.equal(await mirror.has('runs/k'), false);
    await mirror.push('runs/j');
    await mirror.remove('runs/j');
    assert.deepEqual(await tree(dir), ['runs/j/spec.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
