import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { unixSeconds } from '../ids/clock.ts';
import { randomBase62, toOpenAiId } from '../ids/ids.ts';
import type { Job } from '../jobs/job.ts';
import type { TerminalHook } from '../jobs/jobs.service.ts';
import type { DeliveriesRepository } from './deliveries.repository.ts';
import { DEPLOYMENT_ENDPOINT_ID } from './endpoint.ts';
import type { EndpointsRepository } from './endpoints.repository.ts';
import { eventTypeOf } from './event-types.ts';

export const newEventId = () => `evt_${randomBase62(24)}`;

/** The event's JSON, as the openai SDK types it (`FineTuningJobSucceededWebhookEvent` …): written once, sent as these bytes on every attempt. */
export const eventBody = (id: string, type: string, jobId: string, createdAtMs: number): string =>
  JSON.stringify({ id, object: 'event', created_at: unixSeconds(createdAtMs), type, data: { id: toOpenAiId('job', jobId) } });

/**
 * The outbox side of a job's terminal status change: inside its transaction,
 * the event and one delivery per endpoint that receives it (the project's
 * subscribers, and SELFTUNE_WEBHOOK_URL's, which gets every project's events).
 * Once committed, the delivery loop is woken.
 */
export class Outbox implements TerminalHook {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly deploymentEndpoint: boolean,
    private readonly wake: () => void,
  ) {}

  async write(job: Job, db: Kysely<Database>): Promise<void> {
    const type = eventTypeOf(job.status);
    if (!type) return;
    const receivers = await this.endpoints.subscribers(db, job.projectId, type);
    if (this.deploymentEndpoint) receivers.push(DEPLOYMENT_ENDPOINT_ID);
    if (receivers.length === 0) return;
    const id = newEventId();
    const createdAt = job.modifiedAt;
    await this.deliveries.insertEvent(db, { id, orgId: job.orgId, projectId: job.projectId, type, subjectId: job.id, body: eventBody(id, type, job.id, createdAt), createdAt }, receivers);
  }

  committed(): void {
    this.wake();
  }
}
