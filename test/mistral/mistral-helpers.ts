import { Mistral } from '@mistralai/mistralai';
import type { ClassifierDetailedJobOut, CompletionDetailedJobOut, JobIn } from '@mistralai/mistralai/models/components/index.js';
import { LONG_WAIT_MS, waitUntil } from '../helpers/wait.ts';
import type { TestServer } from '../helpers/server.ts';

export type DetailedJob = CompletionDetailedJobOut | ClassifierDetailedJobOut;

export const mistralClient = (t: TestServer, apiKey = 'test-key') => new Mistral({ apiKey, serverURL: `${t.url}/mistral` });

export async function uploadMistral(client: Mistral, content: string, fileName = 'train.jsonl') {
  return client.files.upload({ file: { fileName, content: Buffer.from(content) } });
}

/** Polls `jobs.get` until `done` holds; fails with the job's last state after `timeoutMs`. */
export async function waitMistral(client: Mistral, jobId: string, done: (job: DetailedJob) => boolean, timeoutMs = LONG_WAIT_MS): Promise<DetailedJob> {
  let job: DetailedJob | undefined;
  return waitUntil(async () => {
    job = await client.fineTuning.jobs.get({ jobId });
    return done(job) && job;
  }, { timeoutMs, what: () => `job ${jobId} (still ${job?.status}: ${JSON.stringify(job?.events?.at(-1))})` });
}

export const isOver = (job: DetailedJob) => ['SUCCESS', 'FAILED', 'FAILED_VALIDATION', 'CANCELLED'].includes(job.status);

/** The job a create call returned (dry runs return metadata instead). */
export function createdJob<T extends object>(res: T): Extract<T, { id: string }> {
  if (!('id' in res)) throw new Error(`expected a job, got ${JSON.stringify(res)}`);
  return res as Extract<T, { id: string }>;
}

export const createJob = async (client: Mistral, req: JobIn) => createdJob(await client.fineTuning.jobs.create(req));
