import { api, withQuery } from './api.ts';

// The project's webhook endpoints (OpenAI's /v1/webhook_endpoints) and
// selftune's delivery log, as the Webhooks page uses them.

export const EVENT_TYPES = ['fine_tuning.job.succeeded', 'fine_tuning.job.failed', 'fine_tuning.job.cancelled'] as const;

export interface WebhookEndpoint {
  id: string;
  name: string;
  url: string;
  event_types: string[];
  signing_secret_hint: string | null;
  created_at: number;
}

export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  signing_secret: string;
}

export interface DeliveryAttempt {
  id: string;
  event_id: string;
  event_type: string;
  test: boolean;
  attempt: number;
  status_code: number | null;
  success: boolean;
  error: string | null;
  started_at: number;
  duration_ms: number;
}

interface Page<T> {
  data: T[];
}

const base = '/v1/webhook_endpoints';
const endpoint = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const listEndpoints = (signal?: AbortSignal) => api<Page<WebhookEndpoint>>(withQuery(base, { limit: 100 }), { signal }).then((p) => p.data);
export const getEndpoint = (id: string, signal?: AbortSignal) => api<WebhookEndpoint>(endpoint(id), { signal });
export const createEndpoint = (name: string, url: string, eventTypes: string[]) =>
  api<WebhookEndpointWithSecret>(base, { json: { name, url, event_types: eventTypes } });
export const deleteEndpoint = (id: string) => api(endpoint(id), { method: 'DELETE' });
export const sendTestEvent = (id: string, eventType: string) => api<{ status_code: number }>(`${endpoint(id)}/test`, { json: { event_type: eventType } });
export const listDeliveries = (id: string, signal?: AbortSignal) =>
  api<Page<DeliveryAttempt>>(withQuery(`${endpoint(id)}/deliveries`, { limit: 100 }), { signal }).then((p) => p.data);
