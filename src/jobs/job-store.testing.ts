import { randomBytes } from 'node:crypto';
import { SecretBox } from '../secrets/secret-box.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type Store } from '../db/backend.ts';
import { migrate } from '../db/migrate.ts';
import { EventsRepository } from '../events/events.repository.ts';
import { newUuid } from '../ids/ids.ts';
import type { Job } from './job.ts';
import { JobSignals } from './job-signals.ts';
import { JobsRepository } from './jobs.repository.ts';
import { JobsService } from './jobs.service.ts';

/** The tenant of every job these tests insert. */
export const TEST_TENANT = { orgId: 'org', projectId: 'proj' };

/** A real SQLite store with the job pipeline's repositories and service, for unit tests of the domain. */
export interface JobStore {
  dir: string;
  store: Store;
  jobs: JobsRepository;
  events: EventsRepository;
  service: JobsService;
  /** A job as the validator would leave it (status and fields overridable). */
  insertJob(changes?: Partial<Job>): Promise<Job>;
  close(): Promise<void>;
}

export async function openJobStore(nowMs: () => number): Promise<JobStore> {
  const dir = await mkdtemp(join(tmpdir(), 'selftune-job-store-'));
  const store = openSqlite(join(dir, 'jobs.db'));
  await migrate(store);
  const jobs = new JobsRepository(store.db, new SecretBox(randomBytes(32)));
  const events = new EventsRepository(store.db);
  // Files, catalogue and repository importer are only used by `create`, which these tests do not call.
  const service = new JobsService(jobs, events, {} as never, {} as never, new JobSignals(), { nowMs }, {} as never);
  const insertJob = async (changes: Partial<Job> = {}): Promise<Job> => {
    const id = newUuid();
    await jobs.insert({
      ...TEST_TENANT, createdBy: null, jobType: 'completion', status: 'queued', model: 'tiny',
      trainingFiles: [], validationFiles: [], methodType: 'supervised', hyperparameters: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' },
      resolvedHyperparameters: null, suffix: null, seed: 1, metadata: null, integrations: [], autoStart: true,
      options: { invalidSampleSkipPercentage: 0, repositories: [], classifierTargets: null, wandbUrl: null, lrSchedule: 'linear', modelNaming: 'openai', estimate: false },
      fineTunedModel: null, resultFiles: [], trainedTokens: null, error: null, stats: {}, totalSteps: null, currentStep: 0, estimatedFinish: null,
      control: null, recoveries: 0, createdAt: 1, modifiedAt: 1, queuedAt: null, startedAt: null, finishedAt: null, ...changes, id,
    }, 'openai');
    return (await jobs.find(TEST_TENANT, id))!;
  };
  return {
    dir, store, jobs, events, service, insertJob,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
