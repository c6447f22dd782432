import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitUntil } from '../../../test/helpers/wait.ts';
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

test('a multi-process trainer is started through torchrun and killed with every process it started', async () => {
  const launcher = join(dir, 'python-torchrun');
  const pidFile = join(dir, 'rank.pid');
  // Records its arguments, starts a long-lived "rank" in the background and waits for it, as torchrun does.
  await writeFile(launcher, `#!/bin/sh\necho "$@" > ${join(dir, 'args')}\nsleep 600 &\necho $! > ${pidFile}\nwait\n`);
  await chmod(launcher, 0o755);
  const trainer = new TrainerProcess(launcher, dir, ['--spec', '/x/spec.json'], 2);
  trainer.attach(async () => {});
  const rank = await waitUntil(async () => Number(await readFile(pidFile, 'utf8').catch(() => '0')), { intervalMs: 50, what: 'the rank to start' });
  assert.equal((await readFile(join(dir, 'args'), 'utf8')).trim(),
    '-m torch.distributed.run --standalone --nproc_per_node 2 -m selftune_trainer train --spec /x/spec.json');
  await trainer.kill(2000);
  const alive = () => { try { process.kill(rank, 0); return true; } catch { return false; } };
  await waitUntil(() => !alive(), { intervalMs: 50, what: 'the rank to be ended with its launcher' });
});
