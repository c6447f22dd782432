import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import OpenAI from 'openai';
import pg from 'pg';
import { parseRecordId } from '../../src/ids/ids.ts';
import { createPostgresDatabase } from './backends.ts';
import { startS3Server, type TestS3 } from './s3-server.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from './server.ts';

// Several `selftune serve` processes sharing one fresh Postgres database and
// one s3rver bucket prefix, as replicas behind a load balancer would: each
// with its own port and data directory (a cache), and a short lease so that a
// killed replica's jobs are taken over within seconds.

export interface Replica {
  name: string;
  url: string;
  dataDir: string;
  client: OpenAI;
  process: ChildProcess;
  /** SIGKILL: no shutdown, no lease released, children left to notice by themselves. Resolves once it has exited. */
  kill(): Promise<void>;
}

export interface ReplicaSet {
  replicas: Replica[];
  databaseUrl: string;
  s3: TestS3;
  blobUrl: string;
  /** The environment every replica was started with (database, bucket, AWS settings, lease). */
  env: Record<string, string>;
  /** The replica whose scheduler holds the job's lease now (null when none does), read from the jobs table. */
  holderOf(jobId: string): Promise<Replica | null>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  /** Lease length: how long a dead replica's jobs wait before another takes them. */
  leaseSeconds?: number;
  /** More environment for every replica (SELFTUNE_RAY_ADDRESS, say). */
  env?: Record<string, string>;
}

const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));

/** Starts `count` replicas (named A, B, …) at once and waits until each answers /health. */
export async function startReplicas(count: number, opts: ReplicaOptions = {}): Promise<ReplicaSet> {
  const [database, s3] = await Promise.all([createPostgresDatabase(), startS3Server()]);
  const blobUrl = s3.blobUrl();
  const env = {
    ...s3.env,
    SELFTUNE_DATABASE_URL: database.url,
    SELFTUNE_BLOB_URL: blobUrl,
    SELFTUNE_LEASE_SECONDS: String(opts.leaseSeconds ?? 3),
    SELFTUNE_HEARTBEAT_SECONDS: '0.5',
    ...opts.env,
  };
  const replicas: Replica[] = [];
  const set: ReplicaSet = {
    replicas,
    databaseUrl: database.url,
    s3,
    blobUrl,
    env,
    holderOf: async (jobId) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ locked_by: string | null }>('SELECT locked_by FROM jobs WHERE id = $1', [parseRecordId('job', jobId)]);
        // A scheduler's owner id is host:pid:random; the pid names the replica.
        const pid = Number(rows[0]?.locked_by?.split(':')[1]);
        return replicas.find((r) => r.process.pid === pid) ?? null;
      } finally {
        await client.end();
      }
    },
    close: async () => {
      await Promise.all(replicas.map(async (r) => {
        await r.kill();
        await rm(r.dataDir, { recursive: true, force: true });
      }));
      await Promise.all([database.drop(), s3.close()]);
    },
  };
  try {
    for (let i = 0; i < count; i++) {
      const name = String.fromCharCode(65 + i);
      const [dataDir, port] = await Promise.all([tempDir(`replica-${name.toLowerCase()}`), freePort()]);
      const url = `http://127.0.0.1:${port}`;
      const child = spawnServer(dataDir, port, env);
      replicas.push({
        name,
        url,
        dataDir,
        client: new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 }),
        process: child,
        kill: async () => {
          child.kill('SIGKILL');
          await exited(child);
        },
      });
    }
    await Promise.all(replicas.map((r) => waitForHealth(r.url)));
  } catch (err) {
    await set.close();
    throw err;
  }
  return set;
}
