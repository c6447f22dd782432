import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { ApiKeyRow, Database, OrganizationRow, ProjectRow, ServiceAccountRow } from '../db/schema.ts';
import { randomBase62 } from '../ids/ids.ts';
import { hashKey, type KeyKind, newKeyValue, redactKey } from './api-keys.ts';
import type { Role } from './roles.ts';

export { DEFAULT_ORG_ID, DEFAULT_PROJECT_ID } from '../db/migrations/004-tenancy.ts';

/** A key just made: its row and, this once, its value. */
export interface IssuedKey {
  row: ApiKeyRow;
  value: string;
}

/** A keyset page: rows after the cursor row (by creation time, then id), one more than `limit` so the caller can tell `has_more`. */
export interface PageRequest {
  after?: string | undefined;
  limit: number;
  order: 'asc' | 'desc';
}

/** A project key with the service account that owns it. */
export interface ProjectKeyRow {
  key: ApiKeyRow;
  account: ServiceAccountRow | null;
}

/** What a presented key grants: the key's row with its project's archive time. */
export interface KeyGrant {
  key: ApiKeyRow;
  projectArchivedAt: number | null;
}

/** Organizations, projects, service accounts and API keys. */
export class TenancyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createOrganization(name: string, now: number): Promise<{ organization: OrganizationRow; project: ProjectRow }> {
    const orgId = `org-${randomBase62(24)}`;
    const project = projectRow(orgId, 'Default project', now);
    const organization: OrganizationRow = { id: orgId, name, default_project_id: project.id, created_at: now };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('organizations').values(organization).execute();
      await tx.insertInto('projects').values(project).execute();
    });
    return { organization, project };
  }

  async createProject(orgId: string, name: string, now: number): Promise<ProjectRow> {
    const project = projectRow(orgId, name, now);
    await this.db.insertInto('projects').values(project).execute();
    return project;
  }

  organization(id: string): Promise<OrganizationRow | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  project(id: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A service account with its first key (OpenAI's create answer carries it). */
  async createServiceAccount(project: ProjectRow, name: string, role: Role, now: number): Promise<{ account: ServiceAccountRow; key: IssuedKey }> {
    const account: ServiceAccountRow = { id: `svc_acct_${randomBase62(24)}`, org_id: project.org_id, project_id: project.id, name, role, created_at: now };
    const key = issue('project', { org_id: project.org_id, project_id: project.id, service_account_id: account.id, name: `Secret key for ${name}`, role }, now);
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('service_accounts').values(account).execute();
      await tx.insertInto('api_keys').values(key.row).execute();
    });
    return { account, key };
  }

  async createAdminKey(orgId: string, name: string, now: number): Promise<IssuedKey> {
    const key = issue('admin', { org_id: orgId, project_id: null, service_account_id: null, name, role: 'admin' }, now);
    await this.db.insertInto('api_keys').values(key.row).execute();
    return key;
  }

  async keyByHash(keyHash: string): Promise<KeyGrant | null> {
    const row = await this.db.selectFrom('api_keys')
      .leftJoin('projects', 'projects.id', 'api_keys.project_id')
      .selectAll('api_keys')
      .select('projects.archived_at as project_archived_at')
      .where('api_keys.key_hash', '=', keyHash)
      .executeTakeFirst();
    if (!row) return null;
    const { project_archived_at, ...key } = row;
    return { key, projectArchivedAt: project_archived_at ?? null };
  }

  async anyKeys(): Promise<boolean> {
    return (await this.db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async deleteKey(id: string): Promise<void> {
    await this.db.deleteFrom('api_keys').where('id', '=', id).execute();
  }

  async touchKey(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  // The Admin API's queries (tenancy.service.ts decides who may run them).

  async listOrganizations(page: PageRequest): Promise<OrganizationRow[]> {
    const cursor = page.after ? await this.organization(page.after) : undefined;
    return this.db.selectFrom('organizations').selectAll().where(keyset(cursor, page.order)).orderBy('created_at', page.order).orderBy('id', page.order).limit(page.limit + 1).execute();
  }

  async listProjects(orgId: string, includeArchived: boolean, page: PageRequest): Promise<ProjectRow[]> {
    const cursor = page.after ? await this.project(page.after) : undefined;
    let query = this.db.selectFrom('projects').selectAll().where('org_id', '=', orgId).where(keyset(cursor, page.order));
    if (!includeArchived) query = query.where('archived_at', 'is', null);
    return query.orderBy('created_at', page.order).orderBy('id', page.order).limit(page.limit + 1).execute();
  }

  async renameProject(id: string, name: string): Promise<void> {
    await this.db.updateTable('projects').set({ name }).where('id', '=', id).execute();
  }

  async archiveProject(id: string, now: number): Promise<void> {
    await this.db.updateTable('projects').set({ archived_at: now }).where('id', '=', id).where('archived_at', 'is', null).execute();
  }

  serviceAccount(id: string): Promise<ServiceAccountRow | undefined> {
    return this.db.selectFrom('service_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listServiceAccounts(projectId: string, page: PageRequest): Promise<ServiceAccountRow[]> {
    const cursor = page.after ? await this.serviceAccount(page.after) : undefined;
    return this.db.selectFrom('service_accounts').selectAll().where('project_id', '=', projectId).where(keyset(cursor, page.order))
      .orderBy('created_at', page.order).orderBy('id', page.order).limit(page.limit + 1).execute();
  }

  /** Changes an account's name or role; its keys carry the role, so they change with it. */
  async updateServiceAccount(id: string, change: { name?: string | undefined; role?: Role | undefined }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (change.name !== undefined) await tx.updateTable('service_accounts').set({ name: change.name }).where('id', '=', id).execute();
      if (change.role !== undefined) {
        await tx.updateTable('service_accounts').set({ role: change.role }).where('id', '=', id).execute();
        await tx.updateTable('api_keys').set({ role: change.role }).where('service_account_id', '=', id).execute();
      }
    });
  }

  /** Deletes the account and every key it owns. */
  async deleteServiceAccount(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('api_keys').where('service_account_id', '=', id).execute();
      await tx.deleteFrom('service_accounts').where('id', '=', id).execute();
    });
  }

  /** Another key for an existing service account (key rotation). */
  async createServiceAccountKey(account: ServiceAccountRow, name: string, now: number): Promise<IssuedKey> {
    const key = issue('project', { org_id: account.org_id, project_id: account.project_id, service_account_id: account.id, name, role: account.role }, now);
    await this.db.insertInto('api_keys').values(key.row).execute();
    return key;
  }

  key(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A project's keys, each with its service account. */
  async listProjectKeys(projectId: string, page: PageRequest): Promise<ProjectKeyRow[]> {
    const cursor = page.after ? await this.key(page.after) : undefined;
    const keys = await this.db.selectFrom('api_keys').selectAll().where('project_id', '=', projectId).where(keyset(cursor, page.order))
      .orderBy('created_at', page.order).orderBy('id', page.order).limit(page.limit + 1).execute();
    return this.withAccounts(keys);
  }

  async withAccounts(keys: ApiKeyRow[]): Promise<ProjectKeyRow[]> {
    const ids = [...new Set(keys.map((k) => k.service_account_id).filter((id): id is string => id !== null))];
    const accounts = ids.length ? await this.db.selectFrom('service_accounts').selectAll().where('id', 'in', ids).execute() : [];
    const byId = new Map(accounts.map((a) => [a.id, a]));
    return keys.map((key) => ({ key, account: key.service_account_id ? (byId.get(key.service_account_id) ?? null) : null }));
  }

  /** An organization's admin keys (those without a project). */
  async listAdminKeys(orgId: string, page: PageRequest): Promise<ApiKeyRow[]> {
    const cursor = page.after ? await this.key(page.after) : undefined;
    return this.db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).where('project_id', 'is', null).where(keyset(cursor, page.order))
      .orderBy('created_at', page.order).orderBy('id', page.order).limit(page.limit + 1).execute();
  }
}

/** Rows after (or, descending, before) the cursor row; every row when there is none. Row values compare the same in SQLite and Postgres. */
function keyset(cursor: { created_at: number; id: string } | undefined, order: 'asc' | 'desc' = 'asc'): RawBuilder<boolean> {
  if (!cursor) return sql<boolean>`1 = 1`;
  return order === 'asc' ? sql<boolean>`(created_at, id) > (${cursor.created_at}, ${cursor.id})` : sql<boolean>`(created_at, id) < (${cursor.created_at}, ${cursor.id})`;
}

const projectRow = (orgId: string, name: string, now: number): ProjectRow => ({
  id: `proj_${randomBase62(24)}`, org_id: orgId, name, created_at: now, archived_at: null,
  max_requests_per_minute: null, max_tokens_per_minute: null, max_concurrent_jobs: null, max_storage_bytes: null,
});

function issue(kind: KeyKind, owner: Pick<ApiKeyRow, 'org_id' | 'project_id' | 'service_account_id' | 'name' | 'role'>, now: number): IssuedKey {
  const value = newKeyValue(kind);
  const row: ApiKeyRow = { id: `key_${randomBase62(24)}`, key_hash: hashKey(value), redacted_value: redactKey(value), created_at: now, last_used_at: null, expires_at: null, ...owner };
  return { row, value };
}
