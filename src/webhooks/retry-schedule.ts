// When a failed delivery is tried again: the gap doubles from the base
// (SELFTUNE_WEBHOOK_RETRY_BASE_SECONDS, 5 s) up to one hour, with ±25 % jitter
// so that a receiver coming back is not hit by every waiting event at once;
// a delivery still failing 24 hours after its event is given up.
export const MAX_GAP_MS = 60 * 60_000;
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

export interface RetrySchedule {
  baseMs: number;
  random?: () => number;
}

/** The wait after failed attempt number `attempts` (1 for the first). */
export function retryGapMs(attempts: number, { baseMs, random = Math.random }: RetrySchedule): number {
  const gap = baseMs * 2 ** Math.min(attempts - 1, 40);
  return Math.round(Math.min(gap * (0.75 + random() * 0.5), MAX_GAP_MS));
}

/** Whether a delivery created at `createdAtMs` that just failed again at `nowMs` is given up. */
export const givesUp = (createdAtMs: number, nowMs: number): boolean => nowMs - createdAtMs >= GIVE_UP_AFTER_MS;
