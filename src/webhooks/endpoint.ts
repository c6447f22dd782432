import { z } from 'zod';
import type { WebhookEndpointRow } from '../db/schema.ts';
import type { Tenant } from '../tenancy/principal.ts';

/** A project's webhook endpoint; its secret stays in the row (sealed) and is opened only to sign. */
export interface WebhookEndpoint {
  id: string;
  tenant: Tenant;
  name: string;
  url: string;
  eventTypes: string[];
  secretHint: string;
  createdAt: number;
  updatedAt: number;
}

/** What create and update may set (the dialect has validated each field). */
export interface EndpointFields {
  name: string;
  url: string;
  eventTypes: string[];
}

/** The id of SELFTUNE_WEBHOOK_URL's endpoint in the outbox: it has no row, the config is its record. */
export const DEPLOYMENT_ENDPOINT_ID = 'deployment';

const eventTypesCodec = z.array(z.string());
export const eventTypesFromColumn = (column: string): string[] => eventTypesCodec.parse(JSON.parse(column));

export const endpointFromRow = (row: WebhookEndpointRow): WebhookEndpoint => ({
  id: row.id,
  tenant: { orgId: row.org_id, projectId: row.project_id },
  name: row.name,
  url: row.url,
  eventTypes: eventTypesFromColumn(row.event_types),
  secretHint: row.secret_hint,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const eventTypesToColumn = (types: readonly string[]): string => JSON.stringify(types);
