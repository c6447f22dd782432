import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TrainerProcess } from './trainer-process.ts';

// A stand-in for `python -m selftune_trainer train`: a shell script that prints protocol lines.
let dir: string;
let fakePython: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'selftune-trainer-process-'));
  fakePython = join(dir, 'python');
  await writeFile(fakePython, '#!/bin/sh\necho \'{"event":"log","level":"info","message":"one"}\'\nsleep 0.3\necho \'{"event":"log","level":"info","message":"two"}\'\nexit 0\n');
  await chmod(fakePython, 0o755);
});
after(() => rm(dir, { recursive: true, force: true }));

test('a handler that fails does not leave an unhandled rejection (which would end the server); the exit still reports it', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const trainer = new TrainerProcess(fakePython, dir, []);
    const seen: string[] = [];
    trainer.attach(async (e) => {
      seen.push((e as { message: string }).message);
      if (seen.length === 1) throw new Error('database is locked');
    });
    await assert.rejects(trainer.exited, /database is locked/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
