import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { demoTrainingJsonl, demoValidationJsonl } from '../../src/demo/demo-data.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function upload(client: OpenAI, content: string | Buffer, filename = 'train.jsonl', purpose: 'fine-tune' | 'batch' = 'fine-tune') {
  return client.files.create({ file: await toFile(Buffer.from(content), filename), purpose });
}

export async function uploadDemo(client: OpenAI) {
  const [training, validation] = await Promise.all([upload(client, demoTrainingJsonl(), 'train.jsonl'), upload(client, demoValidationJsonl(), 'valid.jsonl')]);
  return { training, validation };
}

/** Polls until `done(job)` holds; fails with the job's last state after `timeoutMs`. */
export async function waitForJob(client: OpenAI, id: string, done: (job: FineTuningJob) => boolean, timeoutMs = 180_000): Promise<FineTuningJob> {
  const deadline = Date.now() + timeoutMs;
  let job = await client.fineTuning.jobs.retrieve(id);
  while (!done(job)) {
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job.error)}`);
    await sleep(250);
    job = await client.fineTuning.jobs.retrieve(id);
  }
  return job;
}

export const isFinished = (job: FineTuningJob) => ['succeeded', 'failed', 'cancelled'].includes(job.status);

/** Every event of a job, oldest first, read through the SDK's pagination. */
export async function allEvents(client: OpenAI, id: string, pageSize = 100) {
  const events = [];
  for await (const e of client.fineTuning.jobs.listEvents(id, { limit: pageSize })) events.push(e);
  return events.reverse();
}

/** Waits until the job has reported at least `step` training steps. */
export async function waitForStep(client: OpenAI, id: string, step: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await client.fineTuning.jobs.listEvents(id, { limit: 20 });
    const latest = page.data.find((e) => e.type === 'metrics')?.data as { step: number } | undefined;
    if (latest && latest.step >= step) return;
    if (Date.now() > deadline) throw new Error(`job ${id} did not reach step ${step} in ${timeoutMs} ms`);
    await sleep(200);
  }
}
