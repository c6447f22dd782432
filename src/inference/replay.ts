import type { GenerationEvent } from './generation.ts';
import { isWorkerCrash, WORKER_CRASHED, workerError, workerUnavailable } from './worker-errors.ts';
import type { WorkerReply } from './worker-protocol.ts';

/**
 * A generation's events, sent again to the restarted worker if the worker dies
 * mid-way. Each attempt carries the same seed, so it reproduces the same text:
 * what the caller already has is skipped and the caller notices only latency.
 * Text that comes out differently the second time (nondeterministic kernels)
 * cannot be taken back, so it ends the generation with a retryable error.
 */
export async function* replayingCrashes(attempt: () => AsyncIterable<WorkerReply>, replays: number): AsyncGenerator<GenerationEvent> {
  const given = new Map<number, string>(); // text the caller already has, per choice
  const finished = new Set<number>();
  for (let replay = 0; ; replay++) {
    const text = new Map<number, string>(); // this attempt's text, per choice
    try {
      for await (const r of attempt()) {
        if (r.event === 'delta') {
          const now = (text.get(r.index) ?? '') + r.text;
          text.set(r.index, now);
          const had = given.get(r.index) ?? '';
          if (!now.startsWith(had) && !had.startsWith(now)) throw new Diverged();
          if (now.length > had.length) {
            given.set(r.index, now);
            yield { type: 'delta', index: r.index, text: now.slice(had.length) };
          }
        } else if (r.event === 'finish') {
          if (!(text.get(r.index) ?? '').startsWith(given.get(r.index) ?? '')) throw new Diverged();
          if (!finished.has(r.index)) yield { type: 'finish', index: r.index, finishReason: r.finish_reason };
          finished.add(r.index);
        } else if (r.event === 'error') throw workerError(r.code, r.message);
        else if (r.event === 'done') {
          const choices = r.choices.map((c) => ({ index: c.index, text: c.text, finishReason: c.finish_reason }));
          yield { type: 'done', result: { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, choices } };
        }
      }
      return;
    } catch (err) {
      if (err instanceof Diverged) throw workerUnavailable(WORKER_CRASHED, 'The inference worker was restarted while answering this request and did not reproduce the text already sent; try again.', 1);
      if (!isWorkerCrash(err) || replay >= replays) throw err;
    }
  }
}

class Diverged extends Error {}

/** Waits for the first event, so that a request failing before any output fails with an HTTP status, not mid-stream. */
export async function primed<T>(events: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    },
  };
}
