import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Mistral } from '@mistralai/mistralai';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startFakeOpenAiServer, type FakeServer } from './fake-openai-server.ts';

// SELFTUNE_EXTERNAL_INFERENCE: a base model and its LoRA adapters are served
// by an external OpenAI-compatible server; selftune loads the adapter there
// once and proxies the requests, streamed or not, in both dialects.

let t: TestServer;
let fake: FakeServer;
const ADAPTER = 'ft:selftune-tiny:default:lora:Ad4pter1';
let adapterDir: string;

before(async () => {
  fake = await startFakeOpenAiServer();
  t = await startServer({ externalInference: `selftune-tiny=${fake.url}` });
  // A LoRA model as a finished job registers it; the fake server never reads the weights.
  adapterDir = join(t.dataDir, 'runs', 'lora-job', 'final');
  await mkdir(adapterDir, { recursive: true });
  await writeFile(join(adapterDir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 8 }));
  await t.server.ctx.catalog.insert({
    id: ADAPTER, org_id: 'org-default', project_id: 'proj_default', job_id: 'lora-job', checkpoint_id: null, base_model: 'selftune-tiny', model_type: 'completion',
    training_mode: 'lora', path: 'runs/lora-job/final', created_at: Date.now(), name: null, description: null, archived: 0, shared_with_org: 0,
  });
});
after(async () => {
  await t.close();
  await fake.close();
});

const messages = [{ role: 'user' as const, content: 'hi' }];

test('a LoRA model is loaded into the external server once, then every request is proxied to it', async () => {
  const r = await t.client.chat.completions.create({ model: ADAPTER, messages, max_tokens: 5, temperature: 0 });
  assert.equal(r.choices[0]!.message.content, `echo ${ADAPTER}`);
  assert.equal(r.choices[0]!.finish_reason, 'length');
  assert.deepEqual(r.usage, { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 });

  const stream = await t.client.chat.completions.create({ model: ADAPTER, messages, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, `echo ${ADAPTER}`);

  const mistral = new Mistral({ apiKey: 'k', serverURL: `${t.url}/mistral` });
  const m = await mistral.chat.complete({ model: ADAPTER, messages });
  assert.equal(m.choices[0]!.message.content, `echo ${ADAPTER}`);

  const loads = fake.calls.filter((c) => c.path === '/v1/load_lora_adapter');
  assert.deepEqual(loads.map((c) => c.body), [{ lora_name: ADAPTER, lora_path: adapterDir }]);
  const chats = fake.calls.filter((c) => c.path === '/v1/chat/completions');
  assert.equal(chats.length, 3);
  assert.deepEqual(chats[0]!.body, { model: ADAPTER, messages, max_tokens: 5, temperature: 0, top_p: 1, n: 1, stream: true, stream_options: { include_usage: true } });
});

test('the base model goes to the external server under its own name; deleting the adapter unloads it there', async () => {
  const r = await t.client.chat.completions.create({ model: 'selftune-tiny', messages });
  assert.equal(r.choices[0]!.message.content, 'echo selftune-tiny');

  await t.client.models.delete(ADAPTER);
  assert.deepEqual(fake.calls.at(-1), { path: '/v1/unload_lora_adapter', body: { lora_name: ADAPTER } });
});
