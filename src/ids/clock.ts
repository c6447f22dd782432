/** The one source of "now", injected so tests and recovery logic can reason about time. */
export interface Clock {
  nowMs(): number;
}
export const systemClock: Clock = { nowMs: () => Date.now() };
export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);
