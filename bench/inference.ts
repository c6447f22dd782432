// Inference on selftune-tiny through the real server and the OpenAI SDK:
// cold start, time to first token and tokens/s (streamed), the cost of
// switching between two fine-tuned models (LRU holding both vs. size 1, which
// reloads on every switch), and requests/s with 8 concurrent clients.
//
//   node --import tsx bench/inference.ts
import { performance } from 'node:perf_hooks';
import type OpenAI from 'openai';
import { startServer } from '../test/helpers/server.ts';
import { ask, FACTS_A, FACTS_B, trainFacts } from '../test/inference/facts.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function streamed(client: OpenAI, model: string, maxTokens: number) {
  const t0 = performance.now();
  let first = 0;
  const stream = await client.chat.completions.create({ model, messages: ask('What colour is the sky?'), temperature: 0, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } });
  let tokens = 0;
  for await (const chunk of stream) {
    if (!first && chunk.choices[0]?.delta.content) first = performance.now();
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  const end = performance.now();
  return { ttft_ms: (first || end) - t0, total_ms: end - t0, tokens, decode_tps: (tokens - 1) / ((end - (first || end)) / 1000) };
}

async function timed(client: OpenAI, model: string) {
  const t0 = performance.now();
  await client.chat.completions.create({ model, messages: ask('What is two plus two?'), temperature: 0, max_tokens: 8 });
  return performance.now() - t0;
}

async function switching(cacheSize: number, models: [string, string], dataDir: string) {
  const t = await startServer({ dataDir, inferenceCacheSize: cacheSize });
  await timed(t.client, models[0]);
  await timed(t.client, models[1]);
  const same: number[] = [];
  const alternating: number[] = [];
  for (let i = 0; i < 10; i++) same.push(await timed(t.client, models[0]));
  for (let i = 0; i < 10; i++) alternating.push(await timed(t.client, models[i % 2]!));
  await t.close();
  return { cache_size: cacheSize, same_model_ms: round(median(same)), alternating_ms: round(median(alternating)) };
}

const t = await startServer({ maxConcurrentJobs: 2 });
const [a, b] = await Promise.all([trainFacts(t.client, FACTS_A, 'bench-a'), trainFacts(t.client, FACTS_B, 'bench-b')]);
const models: [string, string] = [a.fine_tuned_model!, b.fine_tuned_model!];

const c0 = performance.now();
await timed(t.client, 'selftune-tiny');
const cold_first_request_ms = round(performance.now() - c0);
// Time to first token on the fine-tuned model (its first token is text; the base's are often special
// tokens that print nothing); decoding speed on the base, which runs on to max_tokens.
const firsts = [];
const runs = [];
for (let i = 0; i < 5; i++) firsts.push(await streamed(t.client, models[0], 30));
for (let i = 0; i < 5; i++) runs.push(await streamed(t.client, 'selftune-tiny', 256));
const latency = { ttft_ms: round(median(firsts.map((r) => r.ttft_ms))), decode_tokens_per_s: round(median(runs.map((r) => r.decode_tps))), tokens: runs[0]!.tokens };

// 8 clients, each sending requests back to back (32 new tokens each) for 10 s.
const deadline = performance.now() + 10_000;
let done = 0;
let tokens = 0;
await Promise.all(Array.from({ length: 8 }, async (_, i) => {
  while (performance.now() < deadline) {
    const r = await t.client.chat.completions.create({ model: i % 2 ? models[0] : 'selftune-tiny', messages: ask('What do bees make?'), temperature: 0.7, max_tokens: 32, seed: i });
    done += 1;
    tokens += r.usage!.completion_tokens;
  }
}));
const concurrency = { clients: 8, requests_per_s: round(done / 10), generated_tokens_per_s: round(tokens / 10) };
const dataDir = t.dataDir;
await t.server.close();

const switches = [await switching(8, models, dataDir), await switching(1, models, dataDir)];
console.log(JSON.stringify({ cold_first_request_ms, latency, concurrency, switches }, null, 2));
