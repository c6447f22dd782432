import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { demoTrainingJsonl, demoValidationJsonl } from '../../src/demo/demo-data.ts';
import { LONG_WAIT_MS, waitUntil } from './wait.ts';

export { sleep } from './wait.ts';

export async function upload(client: OpenAI, content: string | Buffer, filename = 'train.jsonl', purpose: 'fine-tune' | 'batch' = 'fine-tune') {
  return client.files.create({ file: await toFile(Buffer.from(content), filename), purpose });
}

export async function uploadDemo(client: OpenAI) {
  const [training, validation] = await Promise.all([upload(client, demoTrainingJsonl(), 'train.jsonl'), upload(client, demoValidationJsonl(), 'valid.jsonl')]);
  return { training, validation };
}

/** Polls until `done(job)` holds; fails with the job's last state after `timeoutMs`. */
export async function waitForJob(client: OpenAI, id: string, done: (job: FineTuningJob) => boolean, timeoutMs = LONG_WAIT_MS): Promise<FineTuningJob> {
  let job: FineTuningJob | undefined;
  return waitUntil(async () => {
    job = await client.fineTuning.jobs.retrieve(id);
    return done(job) && job;
  }, { timeoutMs, what: () => `job ${id} (still ${job?.status}: ${JSON.stringify(job?.error)})` });
}

export const isFinished = (job: FineTuningJob) => ['succeeded', 'failed', 'cancelled'].includes(job.status);

/** Every event of a job, oldest first, read through the SDK's pagination. */
export async function allEvents(client: OpenAI, id: string, pageSize = 100) {
  const events = [];
  for await (const e of client.fineTuning.jobs.listEvents(id, { limit: pageSize })) events.push(e);
  return events.reverse();
}

/** Waits until the job has reported at least `step` training steps. */
export async function waitForStep(client: OpenAI, id: string, step: number, timeoutMs = LONG_WAIT_MS): Promise<void> {
  await waitUntil(async () => {
    const page = await client.fineTuning.jobs.listEvents(id, { limit: 20 });
    const latest = page.data.find((e) => e.type === 'metrics')?.data as { step: number } | undefined;
    return latest !== undefined && latest.step >= step;
  }, { timeoutMs, intervalMs: 200, what: `job ${id} to reach step ${step}` });
}
