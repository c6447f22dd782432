import type { Kysely } from 'kysely';
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
