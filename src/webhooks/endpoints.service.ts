import type { WebhookAttemptRow } from '../db/schema.ts';
import { invalidRequest, notFound } from '../errors/app-error.ts';
import { type Clock, unixSeconds } from '../ids/clock.ts';
import { newUuid } from '../ids/ids.ts';
import type { Tenant } from '../tenancy/principal.ts';
import type { DeliveriesRepository } from './deliveries.repository.ts';
import type { EndpointFields, WebhookEndpoint } from './endpoint.ts';
import type { EndpointPage, EndpointsRepository } from './endpoints.repository.ts';
import { EMITTED_EVENT_TYPES, isEmitted } from './event-types.ts';
import { eventBody, newEventId } from './outbox.ts';
import type { SendResult } from './sender.ts';
import { newWebhookSecret, signedHeaders } from './signing.ts';

/** An endpoint as create and rotate answer it: with its secret, shown this once. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** A test event's outcome. */
export interface TestOutcome {
  eventType: string;
  statusCode: number;
}

const KEEP_OLD_SECRET_MS = 24 * 60 * 60_000;

/** A project's webhook endpoints: CRUD, secret rotation, test events and the delivery log. */
export class WebhookEndpoints {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly send: (url: string, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<SendResult>,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** The event types selftune sends. */
  readonly eventTypes: readonly string[] = EMITTED_EVENT_TYPES;

  async create(tenant: Tenant, fields: EndpointFields): Promise<EndpointWithSecret> {
    const secret = newWebhookSecret();
    return { endpoint: await this.endpoints.insert(tenant, fields, secret, this.clock.nowMs()), secret };
  }

  async get(tenant: Tenant, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.find(tenant, id);
    if (!endpoint) throw notFound(`No such webhook endpoint: ${id}`, 'webhook_endpoint_id', 'webhook_endpoint_not_found');
    return endpoint;
  }

  list(q: EndpointPage): Promise<WebhookEndpoint[]> {
    return this.endpoints.page(q);
  }

  /** Changes what is given; an update that changes nothing leaves `updated_at` as it was. */
  async update(tenant: Tenant, id: string, changes: Partial<EndpointFields>): Promise<WebhookEndpoint> {
    const current = await this.get(tenant, id);
    const next: EndpointFields = { name: changes.name ?? current.name, url: changes.url ?? current.url, eventTypes: changes.eventTypes ?? current.eventTypes };
    const same = next.name === current.name && next.url === current.url && next.eventTypes.join() === current.eventTypes.join();
    if (!same) await this.endpoints.update(tenant, id, next, this.clock.nowMs());
    return this.get(tenant, id);
  }

  /** Deletes the endpoint; its pending deliveries are dropped with it. */
  async delete(tenant: Tenant, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.get(tenant, id);
    await this.endpoints.delete(tenant, id);
    return endpoint;
  }

  async rotateSecret(tenant: Tenant, id: string, keepOldFor24Hours: boolean): Promise<EndpointWithSecret> {
    await this.get(tenant, id);
    const secret = newWebhookSecret();
    const now = this.clock.nowMs();
    await this.endpoints.rotate(tenant, id, secret, keepOldFor24Hours ? now + KEEP_OLD_SECRET_MS : null, now);
    return { endpoint: await this.get(tenant, id), secret };
  }

  /** Sends a sample event now, signed like any other, and logs it as attempt 1 of a delivery of its own. */
  async test(tenant: Tenant, id: string, eventType: string): Promise<TestOutcome> {
    const endpoint = await this.get(tenant, id);
    if (!isEmitted(eventType)) {
      throw invalidRequest(`selftune sends only ${EMITTED_EVENT_TYPES.join(', ')}; a test event must be one of them, not '${eventType}'.`, 'event_type', 'invalid_value');
    }
    const target = await this.endpoints.signingSecrets(endpoint.id, this.clock.nowMs());
    if (!target) throw notFound(`No such webhook endpoint: ${id}`, 'webhook_endpoint_id', 'webhook_endpoint_not_found');
    const eventId = newEventId();
    const startedAt = this.clock.nowMs();
    const body = eventBody(eventId, eventType, newUuid(), startedAt);
    const result = await this.send(target.url, signedHeaders(target.secrets, eventId, unixSeconds(startedAt), body), body, this.timeoutMs);
    await this.deliveries.addAttempt({
      endpoint_id: endpoint.id, delivery_id: null, event_id: eventId, event_type: eventType, attempt: 1,
      started_at: startedAt, finished_at: this.clock.nowMs(), status_code: result.statusCode, error: result.error,
    });
    if (result.statusCode === null) throw invalidRequest(`The test event to ${target.url} got no answer: ${result.error}`, null, 'webhook_endpoint_unreachable');
    return { eventType, statusCode: result.statusCode };
  }

  /** The endpoint's delivery log, newest first (one more than `limit`). */
  async attempts(tenant: Tenant, id: string, page: { limit: number; after?: string | undefined }): Promise<WebhookAttemptRow[]> {
    await this.get(tenant, id);
    return this.deliveries.attempts({ endpointId: id, ...page });
  }
}
