import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../src/config/paths.ts';
import { descendants } from '../faults/processes.ts';
import { freePort } from './server.ts';
import { LONG_WAIT_MS, waitUntil } from './wait.ts';

// A real local Ray cluster for the Ray executor's tests: a head node (no CPUs, so
// no job runs on it) on a free GCS port (never 6379), and worker nodes of one CPU
// each. Every node is `ray start --block` in its own process group; Ray's workers
// start their own groups, so taking a node down SIGKILLs the group and every
// process below the node. Closing kills only our own nodes (never `ray stop`).

export interface RayNodeProcess {
  child: ChildProcess;
  /** Output so far (`ray start` says "Ray runtime started." once the node has joined). */
  output: string[];
}

export interface TestRayCluster {
  /** host:port of the head's GCS (SELFTUNE_RAY_ADDRESS). */
  address: string;
  workers: RayNodeProcess[];
  /** Starts one more worker node and waits until it has joined. */
  addWorker(): Promise<RayNodeProcess>;
  /** SIGKILLs a worker node: its raylet, its workers and what they started. */
  killWorker(node: RayNodeProcess): Promise<void>;
  close(): Promise<void>;
}

const RAY = join(repoRoot, '.venv/bin/ray');

/** `env`: what worker nodes (and so the trainers on them) see, e.g. the AWS settings of the test's S3 server. */
export async function startRayCluster(workers: number, env: Record<string, string> = {}): Promise<TestRayCluster> {
  // Ray's unix sockets live below the temp dir: keep its path short.
  const tempDir = await mkdtemp('/tmp/selftune-ray-');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const nodeEnv = {
    ...process.env,
    ...env,
    PYTHONPATH: join(repoRoot, 'trainer'),
    RAY_USAGE_STATS_ENABLED: '0',
    SELFTUNE_RUNNER_WORK_DIR: join(tempDir, 'runner-work'),
  };
  const nodes: RayNodeProcess[] = [];
  const startNode = async (args: string[]): Promise<RayNodeProcess> => {
    const child = spawn(RAY, ['start', '--block', '--disable-usage-stats', '--node-ip-address=127.0.0.1', '--object-store-memory=80000000', ...args], {
      env: nodeEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node: RayNodeProcess = { child, output: [] };
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => node.output.push(chunk.toString()));
    nodes.push(node);
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`ray start ${args.join(' ')} exited: ${node.output.join('')}`);
      return node.output.join('').includes('Ray runtime started');
    }, { timeoutMs: LONG_WAIT_MS, intervalMs: 200, what: `a Ray node (${args.join(' ')})` });
    return node;
  };
  const killGroup = async (node: RayNodeProcess) => {
    if (node.child.exitCode !== null || node.child.signalCode !== null) return;
    const gone = new Promise((resolve) => node.child.once('exit', resolve));
    const below = descendants(node.child.pid!).map((p) => p.pid);
    for (const target of [-node.child.pid!, ...below]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await gone;
  };

  await startNode(['--head', `--port=${port}`, '--num-cpus=0', '--include-dashboard=false', `--temp-dir=${tempDir}`]);
  const cluster: TestRayCluster = {
    address,
    workers: [],
    addWorker: async () => {
      const node = await startNode([`--address=${address}`, '--num-cpus=1']);
      cluster.workers.push(node);
      return node;
    },
    killWorker: killGroup,
    close: async () => {
      // Workers first, then the head; each node's processes share its process group.
      for (const node of [...nodes].reverse()) await killGroup(node);
      await rm(tempDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); // dying workers may still write their logs
    },
  };
  try {
    for (let i = 0; i < workers; i++) await cluster.addWorker();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
