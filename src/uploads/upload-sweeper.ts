import type { Logger } from '../logging/logger.ts';
import type { UploadsService } from './uploads.service.ts';

/**
 * Runs the uploads' sweep on a timer: expired uploads are marked and every
 * ended upload's parts deleted, so an abandoned upload leaves nothing once
 * expired. Every replica sweeps; each step is a compare-and-set or idempotent.
 * It runs a few times per expiry period (at least every second, at most every minute).
 */
export class UploadSweeper {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly uploads: UploadsService,
    private readonly log: Logger,
    private readonly expiryMs: number,
  ) {}

  get intervalMs(): number {
    return Math.min(60_000, Math.max(1000, this.expiryMs / 4));
  }

  start(): void {
    this.timer ??= setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  /** One sweep, or the one already running. */
  run(): Promise<void> {
    this.pass ??= this.uploads.sweep()
      .catch((err: unknown) => this.log.error({ err }, 'upload sweep failed; the next one tries again'))
      .finally(() => { this.pass = null; });
    return this.pass;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }
}
