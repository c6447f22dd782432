import type { WebhookAttemptRow } from '../../db/schema.ts';
import { unixSeconds } from '../../ids/clock.ts';
import type { WebhookEndpoint } from '../../webhooks/endpoint.ts';
import type { EndpointWithSecret, TestOutcome } from '../../webhooks/endpoints.service.ts';

// Webhook endpoints in the openai SDK's shapes (WebhookEndpoint,
// WebhookEndpointWithSecret, DeletedWebhookEndpoint, WebhookEndpointTestResult);
// times in seconds. The delivery log is selftune's own object.

export const toWireEndpoint = (e: WebhookEndpoint) => ({
  object: 'webhook_endpoint' as const,
  id: e.id,
  name: e.name,
  url: e.url,
  event_types: e.eventTypes,
  signing_secret_hint: e.secretHint,
  created_at: unixSeconds(e.createdAt),
  updated_at: unixSeconds(e.updatedAt),
});

/** The one time the secret is shown: in the answer to create or rotate. */
export const toWireEndpointWithSecret = ({ endpoint, secret }: EndpointWithSecret) => ({ ...toWireEndpoint(endpoint), signing_secret: secret });

export const toWireDeletedEndpoint = (e: WebhookEndpoint) => ({ object: 'webhook_endpoint.deleted' as const, id: e.id, deleted: true });

export const toWireTestResult = (endpointId: string, t: TestOutcome) => ({
  object: 'webhook_endpoint.test' as const,
  webhook_endpoint_id: endpointId,
  event_type: t.eventType,
  status_code: t.statusCode,
  success: true as const,
});

/** One request of the delivery log: `status_code` null when no answer came (`error` says why). */
export const toWireAttempt = (a: WebhookAttemptRow) => ({
  object: 'webhook_endpoint.delivery_attempt' as const,
  id: a.id,
  webhook_endpoint_id: a.endpoint_id,
  event_id: a.event_id,
  event_type: a.event_type,
  test: a.delivery_id === null,
  attempt: a.attempt,
  status_code: a.status_code,
  success: a.status_code !== null && a.status_code >= 200 && a.status_code < 300,
  error: a.error,
  started_at: unixSeconds(a.started_at),
  finished_at: unixSeconds(a.finished_at),
  duration_ms: a.finished_at - a.started_at,
});
