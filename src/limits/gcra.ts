// The generic cell rate algorithm (GCRA): a token bucket kept as one number,
// the theoretical arrival time (TAT). A limit of L per minute refills one unit
// every 60/L s, continuously, and holds at most L units: a request is let
// through while TAT (after charging it) is at most one window ahead of now.
// Unlike fixed 60 s windows, the wait it announces is exact, so a client that
// retries after `retry-after` gets through at once.

/** Everything is in microseconds: at 1,000,000 tokens a minute a unit is 60 µs. */
export const WINDOW_US = 60_000_000;

export interface Charge {
  /** Units the request takes from the bucket. */
  cost: number;
  /** Units that must be left for the request to go through (0: always goes through, e.g. charging tokens already used). */
  need: number;
}

/** The limiter's arithmetic for a limit of `perMinute`, in whole microseconds as the database stores them. */
export function unitsToUs(perMinute: number, units: number): number {
  return Math.round((units * WINDOW_US) / perMinute);
}

/** What a limiter answered, for the `x-ratelimit-*` headers and `retry-after`. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Until the bucket is full again. */
  resetMs: number;
  /** Set when the request was refused: how long until it would go through. */
  retryAfterMs: number | null;
}

/** Reads the state back from the row the atomic statement returned. */
export function stateAfter(perMinute: number, charge: Charge, row: { tat: number; allowed: number }, nowUs: number): LimitState {
  const ahead = Math.max(0, row.tat - nowUs);
  const unitUs = WINDOW_US / perMinute;
  const remaining = Math.max(0, Math.min(perMinute, Math.floor((WINDOW_US - ahead) / unitUs + 1e-9)));
  const retryAfterUs = row.allowed ? null : Math.max(1, ahead + unitsToUs(perMinute, charge.need) - WINDOW_US);
  return { limit: perMinute, remaining, resetMs: Math.ceil(ahead / 1000), retryAfterMs: retryAfterUs === null ? null : Math.ceil(retryAfterUs / 1000) };
}

/**
 * OpenAI's duration format for `x-ratelimit-reset-*` (Go's): `20ms`, `1s`,
 * `1.5s`, `6m0s`, `1h2m3s`.
 */
export function openAiDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = `${Number(((total % 60_000) / 1000).toFixed(3))}s`;
  if (hours) return `${hours}h${minutes}m${seconds}`;
  return minutes ? `${minutes}m${seconds}` : seconds;
}
