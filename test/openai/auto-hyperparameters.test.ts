import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoExamples, demoTrainingJsonl } from '../../src/demo/demo-data.ts';
import { upload, waitForJob, isFinished } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// What a newcomer does first: the demo data, a job with no hyperparameters at
// all, then the fine-tuned model asked what it was taught. "auto" must be
// enough for the demo model to learn its 24 answers.

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.close());

test('the demo job with "auto" hyperparameters learns its answers (greedy chat completions return them)', async () => {
  const { client } = t;
  const training = await upload(client, demoTrainingJsonl());
  const created = await client.fineTuning.jobs.create({ model: 'selftune-tiny', training_file: training.id });
  assert.deepEqual(created.hyperparameters, { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' });
  const job = await waitForJob(client, created.id, isFinished);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  // 24 examples: 42 passes (at least 1000 examples seen), batch 1, the base rate.
  assert.deepEqual(job.hyperparameters, { n_epochs: 42, batch_size: 1, learning_rate_multiplier: 1 });

  // Every trained question, greedy. The answer must be exactly the trained one:
  // the demo model knows nothing else, so anything less is not learned.
  const examples = demoExamples(24);
  const wrong: string[] = [];
  for (const ex of examples) {
    const [system, user, assistant] = ex.messages;
    const r = await client.chat.completions.create({ model: job.fine_tuned_model!, messages: [system!, user!], temperature: 0, max_tokens: 24 });
    if (r.choices[0]!.message.content !== assistant!.content) wrong.push(`${user!.content} → ${JSON.stringify(r.choices[0]!.message.content)} (trained: ${assistant!.content})`);
  }
  assert.deepEqual(wrong, [], `${wrong.length}/${examples.length} answers differ from the trained ones`);
});
