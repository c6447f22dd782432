/**
 * When to restart a crashed inference worker: at once after a first crash,
 * then with doubling delays while it keeps crashing, and never again
 * automatically once it has failed to start several times in a row (a broken
 * environment will not mend itself; the next request tries afresh).
 */
export class RestartPolicy {
  /** Crashes since the worker last ran for `stableMs`. */
  private crashes = 0;
  /** Exits before the worker said it was ready, in a row. */
  private startFailures = 0;

  constructor(
    private readonly opts = { baseDelayMs: 500, maxDelayMs: 30_000, stableMs: 60_000, maxStartFailures: 3 },
  ) {}

  /** Records an exit; returns the delay before the next start, or null to stop restarting. */
  exited(wasReady: boolean, upForMs: number): number | null {
    if (wasReady) {
      this.startFailures = 0;
      this.crashes = upForMs >= this.opts.stableMs ? 1 : this.crashes + 1;
    } else {
      this.startFailures++;
      this.crashes++;
      if (this.startFailures >= this.opts.maxStartFailures) {
        this.reset();
        return null;
      }
    }
    return this.crashes <= 1 ? 0 : Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (this.crashes - 2));
  }

  reset(): void {
    this.crashes = 0;
    this.startFailures = 0;
  }
}
