import type { WebhookDeliveryRow } from '../db/schema.ts';
import { type Clock, unixSeconds } from '../ids/clock.ts';
import type { Logger } from '../logging/logger.ts';
import type { DeliveriesRepository, DeliveryOutcome } from './deliveries.repository.ts';
import { DEPLOYMENT_ENDPOINT_ID } from './endpoint.ts';
import type { EndpointsRepository } from './endpoints.repository.ts';
import { givesUp, retryGapMs, type RetrySchedule } from './retry-schedule.ts';
import type { SendResult } from './sender.ts';
import { signedHeaders } from './signing.ts';

/** Where a request goes and the secrets that sign it. */
export interface SigningTarget {
  url: string;
  secrets: string[];
}

export interface DeliveryLoopOptions {
  owner: string;
  /** Per-request limit; a claim's lease outlasts it, so a delivery in flight is never taken by another replica. */
  timeoutMs: number;
  schedule: RetrySchedule;
  /** SELFTUNE_WEBHOOK_URL's endpoint, when configured. */
  deployment: SigningTarget | null;
  /** One sender per database (SQLite): holds left by a previous process are released at start. */
  soleSender: boolean;
}

/** Looks again this often even unwoken: another replica's events, and expired leases. */
const POLL_MS = 5_000;
const MAX_IN_FLIGHT = 16;

/**
 * Sends the outbox. Woken at once when an event is committed, and by a timer
 * for retries; each claimed delivery is sent, its attempt recorded, and then
 * it is done (2xx), scheduled again, or given up (see retry-schedule.ts).
 */
export class DeliveryLoop {
  private readonly inFlight = new Set<Promise<void>>();
  private running: Promise<void> | null = null;
  private stopped = false;
  private woken = false;
  private nudge: (() => void) | null = null;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly endpoints: EndpointsRepository,
    private readonly send: (url: string, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<SendResult>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: DeliveryLoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = this.run();
  }

  wake = (): void => {
    this.woken = true;
    this.nudge?.();
  };

  /** Stops claiming and waits for the requests in flight; what is left stays pending for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge?.();
    await this.running;
    await Promise.all(this.inFlight);
  }

  private async run(): Promise<void> {
    if (this.opts.soleSender) await this.deliveries.releaseOthers(this.opts.owner).catch((err) => this.log.error({ err }, 'webhooks: releasing stale claims failed'));
    while (!this.stopped) {
      this.woken = false;
      let waitMs = POLL_MS;
      try {
        const room = MAX_IN_FLIGHT - this.inFlight.size;
        const claimed = room > 0 ? await this.deliveries.claimDue(this.opts.owner, this.opts.timeoutMs + 30_000, this.clock.nowMs(), room) : [];
        for (const delivery of claimed) this.track(this.deliver(delivery));
        if (claimed.length === room && room > 0) continue;
        const next = await this.deliveries.nextDueAt();
        if (next !== null) waitMs = Math.max(0, Math.min(POLL_MS, next - this.clock.nowMs()));
      } catch (err) {
        this.log.error({ err }, 'webhooks: the delivery loop failed; it tries again');
      }
      if (!this.woken && !this.stopped) await this.sleep(waitMs);
    }
  }

  private track(p: Promise<void>) {
    const done = p.catch((err) => this.log.error({ err }, 'webhooks: a delivery failed unexpectedly')).finally(() => {
      this.inFlight.delete(done);
      this.wake(); // room for another claim
    });
    this.inFlight.add(done);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.nudge = () => {
        this.nudge = null;
        done();
      };
    });
  }

  private async deliver(delivery: WebhookDeliveryRow): Promise<void> {
    const startedAt = this.clock.nowMs();
    const [event, target] = await Promise.all([this.deliveries.event(delivery.event_id), this.target(delivery.endpoint_id, startedAt)]);
    if (!event || !target) return this.deliveries.drop(delivery.id); // its endpoint was deleted (or the deployment one unset)
    const headers = signedHeaders(target.secrets, event.id, unixSeconds(startedAt), event.body);
    const result = await this.send(target.url, headers, event.body, this.opts.timeoutMs);
    const finishedAt = this.clock.nowMs();
    const attempt = delivery.attempts + 1;
    const outcome: DeliveryOutcome = result.ok
      ? { status: 'succeeded', finishedAt }
      : givesUp(delivery.created_at, finishedAt)
        ? { status: 'failed', finishedAt }
        : { status: 'pending', nextAttemptAt: finishedAt + retryGapMs(attempt, this.opts.schedule) };
    await this.deliveries.finishAttempt(delivery, this.opts.owner, {
      endpoint_id: delivery.endpoint_id, delivery_id: delivery.id, event_id: event.id, event_type: event.type, attempt,
      started_at: startedAt, finished_at: finishedAt, status_code: result.statusCode, error: result.error,
    }, outcome);
    if (outcome.status === 'failed') this.log.warn({ delivery: delivery.id, endpoint: delivery.endpoint_id, attempts: attempt }, `webhooks: gave up delivering ${event.id}: ${result.error}`);
  }

  private async target(endpointId: string, nowMs: number): Promise<SigningTarget | undefined> {
    if (endpointId === DEPLOYMENT_ENDPOINT_ID) return this.opts.deployment ?? undefined;
    return this.endpoints.signingSecrets(endpointId, nowMs);
  }
}
