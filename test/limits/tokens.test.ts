import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Mistral } from '@mistralai/mistralai';
import { SDKError } from '@mistralai/mistralai/models/errors/index.js';
import OpenAI, { RateLimitError } from 'openai';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openAiClient } from '../helpers/tenants.ts';

// Inference tokens per minute per key: a chat is refused before generating once
// the key has no token left, and each answered chat is charged its prompt and
// completion tokens.

const ADMIN_KEY = 'sk-admin-tokens-0123456789abcdef';
const [KEY_A, KEY_B] = ['member-key-tokens-a', 'member-key-tokens-b'];
const TOKENS_PER_MINUTE = 60;
let t: TestServer;

before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY, apiKeys: `${KEY_A},${KEY_B}` });
  const admin = new OpenAI({ apiKey: ADMIN_KEY, adminAPIKey: ADMIN_KEY, baseURL: `${t.url}/v1`, maxRetries: 0 });
  await admin.admin.organization.projects.rateLimits.updateRateLimit('rl-all', { project_id: 'proj_default', max_tokens_per_1_minute: TOKENS_PER_MINUTE });
});
after(() => t?.close());

const messages = [{ role: 'user' as const, content: 'Tell me about the sky.' }];

test('OpenAI: chats are charged their usage until the key has no token left, then refused with 429 type tokens', async () => {
  const client = openAiClient(t, KEY_A);
  const { data: first, response } = await client.chat.completions.create({ model: 'selftune-tiny', messages, max_tokens: 4, temperature: 0 }).withResponse();
  assert.equal(response.headers.get('x-ratelimit-limit-tokens'), String(TOKENS_PER_MINUTE));
  assert.equal(response.headers.get('x-ratelimit-remaining-tokens'), String(TOKENS_PER_MINUTE), 'checked before the first chat was charged');
  assert.ok(first.usage!.total_tokens > 0);

  let refused: unknown = null;
  let answered = 1;
  for (let i = 0; i < 20 && !refused; i++) {
    refused = await client.chat.completions.create({ model: 'selftune-tiny', messages, max_tokens: 4, temperature: 0 }).then(() => null, (e: unknown) => e);
    if (!refused) answered++;
  }
  assert.ok(refused instanceof RateLimitError, String(refused));
  assert.ok(answered * first.usage!.total_tokens >= TOKENS_PER_MINUTE, `${answered} chats of ${first.usage!.total_tokens} tokens spent the minute's ${TOKENS_PER_MINUTE}`);
  assert.equal(refused.code, 'rate_limit_exceeded');
  assert.equal(refused.type, 'tokens');
  assert.match(refused.message, /tokens per minute \(TPM\): limit 60, remaining 0/);
  assert.equal(refused.headers.get('x-ratelimit-remaining-tokens'), '0');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
});

test('Mistral: a chat over the token limit gets its 429 envelope', async () => {
  const mistral = new Mistral({ apiKey: KEY_B, serverURL: `${t.url}/mistral` });
  let refused: unknown = null;
  for (let i = 0; i < 20 && !refused; i++) {
    refused = await mistral.chat.complete({ model: 'selftune-tiny', messages, maxTokens: 4, temperature: 0 }).then(() => null, (e: unknown) => e);
  }
  assert.ok(refused instanceof SDKError, String(refused));
  assert.equal(refused.statusCode, 429);
  assert.deepEqual({ ...JSON.parse(refused.body), message: '' }, { object: 'error', message: '', type: 'tokens', param: null, code: 'rate_limit_exceeded' });
});
