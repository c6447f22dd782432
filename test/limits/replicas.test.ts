import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { RateLimitError } from 'openai';
import { type ReplicaSet, startReplicas } from '../helpers/replicas.ts';

// Two replicas on one Postgres share each key's limit: requests alternating
// between them are counted together.

const KEY = 'member-key-replicas';
/** One request back every 20 s: a refill during the test is at most one or two. */
const PER_MINUTE = 3;
let set: ReplicaSet;

before(async () => {
  set = await startReplicas(2, { env: { SELFTUNE_API_KEYS: KEY, SELFTUNE_KEY_REQUESTS_PER_MINUTE: String(PER_MINUTE) } });
});
after(() => set?.close());

test('requests alternating between two replicas are limited together', async () => {
  const clients = set.replicas.map((r) => new OpenAI({ apiKey: KEY, baseURL: `${r.url}/v1`, maxRetries: 0 }));
  const outcomes: Array<{ replica: number; limited: boolean }> = [];
  for (let i = 0; outcomes.filter((o) => o.limited).length < 2 && i < 40; i++) {
    const replica = i % 2;
    const err = await clients[replica]!.models.list().then(() => null, (e: unknown) => e);
    if (err && !(err instanceof RateLimitError)) throw err;
    outcomes.push({ replica, limited: err !== null });
  }
  const firstRefusal = outcomes.findIndex((o) => o.limited);
  // Each replica alone would let PER_MINUTE through before refusing: together they let PER_MINUTE (plus a refill) through.
  assert.ok(firstRefusal >= PER_MINUTE && firstRefusal <= PER_MINUTE + 2, JSON.stringify(outcomes));
  assert.ok(firstRefusal < 2 * PER_MINUTE, 'fewer than two separate limits would allow');
  const refusedBy = new Set(outcomes.filter((o) => o.limited).map((o) => o.replica));
  assert.deepEqual([...refusedBy].sort(), [0, 1], 'both replicas refuse the key');
});
