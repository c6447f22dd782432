import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Mistral } from '@mistralai/mistralai';
import { SDKError } from '@mistralai/mistralai/models/errors/index.js';
import OpenAI, { RateLimitError } from 'openai';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openAiClient } from '../helpers/tenants.ts';

// Requests per minute per key, set through OpenAI's Admin API and seen through
// both official SDKs: a 429 with OpenAI's headers, which the openai SDK waits
// out by itself (retry-after-ms) and then succeeds.

const ADMIN_KEY = 'sk-admin-limits-0123456789abcdef';
const [KEY_A, KEY_B, KEY_C] = ['member-key-a', 'member-key-b', 'member-key-c'];
/** One request back every 2 s: a retry waits about that long. */
const PER_MINUTE = 30;
let t: TestServer;
let admin: OpenAI;

before(async () => {
  t = await startServer({ adminKey: ADMIN_KEY, apiKeys: `${KEY_A},${KEY_B},${KEY_C}` });
  admin = new OpenAI({ apiKey: ADMIN_KEY, adminAPIKey: ADMIN_KEY, baseURL: `${t.url}/v1`, maxRetries: 0 });
  const updated = await admin.admin.organization.projects.rateLimits.updateRateLimit('rl-all', { project_id: 'proj_default', max_requests_per_1_minute: PER_MINUTE });
  assert.deepEqual(updated, { object: 'project.rate_limit', id: 'rl-all', model: '*', max_requests_per_1_minute: PER_MINUTE, max_tokens_per_1_minute: 0 });
});
after(() => t?.close());

/** Spends a key's requests until one is refused; returns the refusal. */
async function exhaust(client: OpenAI): Promise<RateLimitError> {
  for (let i = 0; i < 10 * PER_MINUTE; i++) {
    const err = await client.files.list().then(() => null, (e: unknown) => e);
    if (err instanceof RateLimitError) return err;
    if (err) throw err;
  }
  throw new Error('never limited');
}

test('the Admin API lists the rate limit it set', async () => {
  const page = await admin.admin.organization.projects.rateLimits.listRateLimits('proj_default');
  assert.deepEqual(page.data, [{ object: 'project.rate_limit', id: 'rl-all', model: '*', max_requests_per_1_minute: PER_MINUTE, max_tokens_per_1_minute: 0 }]);
  const unknown = await admin.admin.organization.projects.rateLimits.updateRateLimit('rl-gpt-4o', { project_id: 'proj_default', max_requests_per_1_minute: 1 }).catch((e: unknown) => e);
  assert.ok(unknown instanceof OpenAI.NotFoundError);
  const asMember = new OpenAI({ apiKey: KEY_C, adminAPIKey: KEY_C, baseURL: `${t.url}/v1`, maxRetries: 0 });
  const member = await asMember.admin.organization.projects.rateLimits.listRateLimits('proj_default').catch((e: unknown) => e);
  assert.ok(member instanceof OpenAI.PermissionDeniedError, String(member));
});

test('answers carry the x-ratelimit headers; over the limit: 429 rate_limit_exceeded, type requests, with retry-after', async () => {
  const client = openAiClient(t, KEY_A);
  const { response } = await client.files.list().withResponse();
  assert.equal(response.headers.get('x-ratelimit-limit-requests'), String(PER_MINUTE));
  assert.ok(Number(response.headers.get('x-ratelimit-remaining-requests')) < PER_MINUTE);
  assert.match(response.headers.get('x-ratelimit-reset-requests')!, /^(\d+ms|\d+(\.\d+)?s|\d+m\d+(\.\d+)?s)$/);

  const err = await exhaust(client);
  assert.equal(err.status, 429);
  assert.equal(err.code, 'rate_limit_exceeded');
  assert.equal(err.type, 'requests');
  assert.match(err.message, /Rate limit reached for this API key on requests per minute \(RPM\): limit 30, remaining 0/);
  assert.equal(err.headers.get('x-ratelimit-limit-requests'), String(PER_MINUTE));
  assert.equal(err.headers.get('x-ratelimit-remaining-requests'), '0');
  const retryAfter = Number(err.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 2, `retry-after ${retryAfter}`);
  assert.ok(Number(err.headers.get('retry-after-ms')) <= 2000);

  // Another key of the same project has its own requests.
  assert.ok((await openAiClient(t, KEY_B).files.list()).data);
});

test("the openai SDK's own retry waits out a 429 and succeeds", async () => {
  await exhaust(openAiClient(t, KEY_C));
  const statuses: number[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  const retrying = new OpenAI({ apiKey: KEY_C, baseURL: `${t.url}/v1`, fetch: recording }); // default retries (2)
  const page = await retrying.files.list();
  assert.ok(Array.isArray(page.data));
  assert.equal(statuses[0], 429, 'refused first');
  assert.equal(statuses.at(-1), 200, 'then let through on a retry');
});

test('the Mistral SDK sees its own 429 envelope, and its retries get through', async () => {
  const mistral = new Mistral({ apiKey: KEY_B, serverURL: `${t.url}/mistral` });
  let refused: unknown = null;
  for (let i = 0; i < 10 * PER_MINUTE && !refused; i++) refused = await mistral.models.list().then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof SDKError, String(refused));
  assert.equal(refused.statusCode, 429);
  const body = JSON.parse(refused.body);
  assert.equal(body.object, 'error');
  assert.equal(body.code, 'rate_limit_exceeded');
  assert.equal(body.type, 'requests');
  assert.ok(Number(refused.rawResponse.headers.get('retry-after')) >= 1);
  assert.equal(refused.rawResponse.headers.get('x-ratelimit-remaining-requests'), '0');

  const retrying = new Mistral({
    apiKey: KEY_B,
    serverURL: `${t.url}/mistral`,
    retryConfig: { strategy: 'backoff', backoff: { initialInterval: 500, maxInterval: 10_000, exponent: 1.5, maxElapsedTime: 120_000 }, retryConnectionErrors: false },
  });
  assert.ok((await retrying.models.list()).data);
});

test('the Admin API is never rate limited, so an admin can always lift a limit', async () => {
  for (let i = 0; i < PER_MINUTE + 5; i++) await admin.admin.organization.projects.rateLimits.listRateLimits('proj_default');
});
