import type OpenAI from 'openai';
import { toJsonl } from '../../src/demo/demo-data.ts';
import { upload, waitForJob, isFinished } from '../helpers/jobs.ts';

// Two small question-answer sets over the same questions with different
// answers: a model trained on one must answer with its own set, never the other's.

const QUESTIONS = ['What colour is the sky?', 'What is two plus two?', 'What is the capital of France?', 'What do bees make?', 'How many legs does a spider have?'];
const ANSWERS_A = ['Blue.', 'Four.', 'Paris.', 'Honey.', 'Eight.'];
const ANSWERS_B = ['Green.', 'Nine.', 'Rome.', 'Milk.', 'Three.'];

export const SYSTEM = 'You answer in one short sentence.';
export const FACTS_A: Array<[string, string]> = QUESTIONS.map((q, i) => [q, ANSWERS_A[i]!]);
export const FACTS_B: Array<[string, string]> = QUESTIONS.map((q, i) => [q, ANSWERS_B[i]!]);

export const ask = (question: string) => [
  { role: 'system' as const, content: SYSTEM },
  { role: 'user' as const, content: question },
];

/** Each fact twice (the minimum is 10 examples). */
const jsonl = (facts: Array<[string, string]>) =>
  toJsonl([...facts, ...facts].map(([q, a]) => ({ messages: [...ask(q), { role: 'assistant', content: a }] })));

/**
 * Full fine-tuning of selftune-tiny until the set is memorised. Measured on a
 * 2-core CPU: 30 epochs (150 steps) at 3x the base rate answer every question; 12 epochs did not (one answer for all).
 */
export const LEARNING = { n_epochs: 30, batch_size: 2, learning_rate_multiplier: 3 };

export async function trainFacts(client: OpenAI, facts: Array<[string, string]>, suffix: string) {
  const file = await upload(client, jsonl(facts), `${suffix}.jsonl`);
  const created = await client.fineTuning.jobs.create({
    model: 'selftune-tiny',
    training_file: file.id,
    suffix,
    seed: 3,
    method: { type: 'supervised', supervised: { hyperparameters: LEARNING } },
  });
  const job = await waitForJob(client, created.id, isFinished);
  if (job.status !== 'succeeded') throw new Error(`training ${suffix} ${job.status}: ${JSON.stringify(job.error)}`);
  return job;
}
