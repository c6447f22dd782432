import type { Kysely } from 'kysely';
import type { Database, WebhookEndpointRow } from '../db/schema.ts';
import { randomBase62 } from '../ids/ids.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Tenant } from '../tenancy/principal.ts';
import { type EndpointFields, endpointFromRow, eventTypesFromColumn, eventTypesToColumn, type WebhookEndpoint } from './endpoint.ts';
import { secretHint } from './signing.ts';

export interface EndpointPage {
  tenant: Tenant;
  limit: number;
  /** Cursor: the last endpoint of the previous page (newest first). */
  after?: string | undefined;
}

/** Endpoint rows, always within one project; secrets are sealed as they are written. */
export class EndpointsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async insert(tenant: Tenant, fields: EndpointFields, secret: string, nowMs: number): Promise<WebhookEndpoint> {
    const row: WebhookEndpointRow = {
      id: `whe_${randomBase62(24)}`, org_id: tenant.orgId, project_id: tenant.projectId,
      name: fields.name, url: fields.url, event_types: eventTypesToColumn(fields.eventTypes),
      secret: this.secrets.seal(secret), previous_secret: null, previous_secret_expires_at: null, secret_hint: secretHint(secret),
      created_at: nowMs, updated_at: nowMs,
    };
    await this.db.insertInto('webhook_endpoints').values(row).execute();
    return endpointFromRow(row);
  }

  async find(tenant: Tenant, id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.scoped(tenant).where('id', '=', id).executeTakeFirst();
    return row && endpointFromRow(row);
  }

  /** Newest first; one more than `limit`, which is what `has_more` means. */
  async page(q: EndpointPage): Promise<WebhookEndpoint[]> {
    let query = this.scoped(q.tenant);
    if (q.after) {
      const cursor = await this.scoped(q.tenant).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) return [];
      query = query.where((eb) => eb.or([
        eb('created_at', '<', cursor.created_at),
        eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)]),
      ]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
    return rows.map(endpointFromRow);
  }

  async update(tenant: Tenant, id: string, fields: EndpointFields, nowMs: number): Promise<void> {
    await this.db.updateTable('webhook_endpoints')
      .set({ name: fields.name, url: fields.url, event_types: eventTypesToColumn(fields.eventTypes), updated_at: nowMs })
      .where('project_id', '=', tenant.projectId).where('id', '=', id).execute();
  }

  /** A new secret; the old one keeps signing until `keepOldUntil` (null: it stops at once). */
  async rotate(tenant: Tenant, id: string, secret: string, keepOldUntil: number | null, nowMs: number): Promise<void> {
    await this.db.updateTable('webhook_endpoints')
      .set((eb) => ({
        secret: this.secrets.seal(secret), secret_hint: secretHint(secret), updated_at: nowMs,
        previous_secret: keepOldUntil === null ? null : eb.ref('secret'),
        previous_secret_expires_at: keepOldUntil,
      }))
      .where('project_id', '=', tenant.projectId).where('id', '=', id).execute();
  }

  /** Deletes the endpoint and what it was still owed: its pending deliveries are never sent. */
  async delete(tenant: Tenant, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('webhook_endpoints').where('project_id', '=', tenant.projectId).where('id', '=', id).executeTakeFirst();
      if (gone.numDeletedRows === 0n) return;
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
    });
  }

  /** The secrets that sign a request to the endpoint now (the current one, and a kept previous one). */
  async signingSecrets(id: string, nowMs: number): Promise<{ url: string; secrets: string[] } | undefined> {
    const row = await this.db.selectFrom('webhook_endpoints').select(['url', 'secret', 'previous_secret', 'previous_secret_expires_at']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const keepOld = row.previous_secret !== null && (row.previous_secret_expires_at ?? 0) > nowMs;
    return { url: row.url, secrets: [row.secret, ...(keepOld ? [row.previous_secret!] : [])].map((s) => this.secrets.open(s)) };
  }

  /** The project's endpoints that subscribe to `type`, in a transaction's `db`. */
  async subscribers(db: Kysely<Database>, projectId: string, type: string): Promise<string[]> {
    const rows = await db.selectFrom('webhook_endpoints').select(['id', 'event_types']).where('project_id', '=', projectId).execute();
    return rows.filter((r) => eventTypesFromColumn(r.event_types).includes(type)).map((r) => r.id);
  }

  private scoped(tenant: Tenant) {
    return this.db.selectFrom('webhook_endpoints').selectAll().where('project_id', '=', tenant.projectId);
  }
}
