import { appError } from '../errors/app-error.ts';
import type { ApiKeyRow, OrganizationRow, ProjectRow, ServiceAccountRow } from '../db/schema.ts';
import type { Clock } from '../ids/clock.ts';
import { projectOfOrganization, requireAdmin } from './admin-access.ts';
import type { Principal } from './principal.ts';
import type { Role } from './roles.ts';
import type { IssuedKey, PageRequest, ProjectKeyRow, TenancyRepository } from './tenancy.repository.ts';

/** Roles a service account may hold: OpenAI's two, and selftune's read-only one. */
export const SERVICE_ACCOUNT_ROLES = ['owner', 'member', 'reader'] as const satisfies readonly Role[];
export type ServiceAccountRole = (typeof SERVICE_ACCOUNT_ROLES)[number];

/**
 * The organization Admin API: projects, their service accounts and keys, the
 * organization's admin keys, and (for the deployment admin) organizations.
 * Every call is the admin caller's own organization; another organization's
 * records are "not found", never "forbidden", so their existence is not told.
 * Making or revoking a key calls `keysChanged` so this replica sees it at once
 * (other replicas within their key cache's lifetime).
 */
export class TenancyService {
  constructor(
    private readonly repo: TenancyRepository,
    private readonly keysChanged: () => void,
    private readonly clock: Clock,
  ) {}

  // Projects

  listProjects(caller: Principal, includeArchived: boolean, page: PageRequest): Promise<ProjectRow[]> {
    requireAdmin(caller);
    return this.repo.listProjects(caller.orgId, includeArchived, page);
  }

  createProject(caller: Principal, name: string): Promise<ProjectRow> {
    requireAdmin(caller);
    return this.repo.createProject(caller.orgId, name, this.clock.nowMs());
  }

  project(caller: Principal, projectId: string): Promise<ProjectRow> {
    return projectOfOrganization(this.repo, caller, projectId);
  }

  async renameProject(caller: Principal, projectId: string, name: string | undefined): Promise<ProjectRow> {
    const project = await this.activeProject(caller, projectId);
    if (name === undefined) return project;
    await this.repo.renameProject(project.id, name);
    return { ...project, name };
  }

  /** Archived projects keep their records but their keys stop working; archiving twice is harmless. */
  async archiveProject(caller: Principal, projectId: string): Promise<ProjectRow> {
    const project = await this.project(caller, projectId);
    if (project.archived_at !== null) return project;
    const org = await this.repo.organization(caller.orgId);
    if (org?.default_project_id === project.id) {
      throw appError('project_is_default', `Project ${project.id} is the organization's default project (where admin keys act without an OpenAI-Project header); it cannot be archived.`, 'project_id');
    }
    const now = this.clock.nowMs();
    await this.repo.archiveProject(project.id, now);
    this.keysChanged();
    return { ...project, archived_at: now };
  }

  // Service accounts

  async listServiceAccounts(caller: Principal, projectId: string, page: PageRequest): Promise<ServiceAccountRow[]> {
    const project = await this.project(caller, projectId);
    return this.repo.listServiceAccounts(project.id, page);
  }

  /** A service account with its first key, whose value is shown this once. */
  async createServiceAccount(caller: Principal, projectId: string, name: string, role: ServiceAccountRole): Promise<{ account: ServiceAccountRow; key: IssuedKey }> {
    const project = await this.activeProject(caller, projectId);
    const made = await this.repo.createServiceAccount(project, name, role, this.clock.nowMs());
    this.keysChanged();
    return made;
  }

  async serviceAccount(caller: Principal, projectId: string, accountId: string): Promise<ServiceAccountRow> {
    const project = await this.project(caller, projectId);
    const account = await this.repo.serviceAccount(accountId);
    if (!account || account.project_id !== project.id) {
      throw appError('service_account_not_found', `No service account with id '${accountId}' in project ${project.id}.`, 'service_account_id');
    }
    return account;
  }

  async updateServiceAccount(caller: Principal, projectId: string, accountId: string, change: { name?: string | undefined; role?: ServiceAccountRole | undefined }): Promise<ServiceAccountRow> {
    const account = await this.serviceAccount(caller, projectId, accountId);
    await this.repo.updateServiceAccount(account.id, change);
    this.keysChanged();
    return { ...account, ...(change.name !== undefined && { name: change.name }), ...(change.role !== undefined && { role: change.role }) };
  }

  /** Deletes the account and revokes every key it owns. */
  async deleteServiceAccount(caller: Principal, projectId: string, accountId: string): Promise<ServiceAccountRow> {
    const account = await this.serviceAccount(caller, projectId, accountId);
    await this.repo.deleteServiceAccount(account.id);
    this.keysChanged();
    return account;
  }

  async createServiceAccountKey(caller: Principal, projectId: string, accountId: string, name: string | undefined): Promise<IssuedKey> {
    await this.activeProject(caller, projectId);
    const account = await this.serviceAccount(caller, projectId, accountId);
    const key = await this.repo.createServiceAccountKey(account, name ?? `Secret key for ${account.name}`, this.clock.nowMs());
    this.keysChanged();
    return key;
  }

  // Project keys

  async listProjectKeys(caller: Principal, projectId: string, page: PageRequest): Promise<ProjectKeyRow[]> {
    const project = await this.project(caller, projectId);
    return this.repo.listProjectKeys(project.id, page);
  }

  async projectKey(caller: Principal, projectId: string, keyId: string): Promise<ProjectKeyRow> {
    const project = await this.project(caller, projectId);
    const key = await this.repo.key(keyId);
    if (!key || key.project_id !== project.id) throw appError('api_key_not_found', `No API key with id '${keyId}' in project ${project.id}.`, 'api_key_id');
    return (await this.repo.withAccounts([key]))[0]!;
  }

  /** Revokes a key: this replica refuses it from now on, others within their key cache's lifetime. */
  async revokeProjectKey(caller: Principal, projectId: string, keyId: string): Promise<ApiKeyRow> {
    const { key } = await this.projectKey(caller, projectId, keyId);
    await this.repo.deleteKey(key.id);
    this.keysChanged();
    return key;
  }

  // Admin keys

  listAdminKeys(caller: Principal, page: PageRequest): Promise<ApiKeyRow[]> {
    requireAdmin(caller);
    return this.repo.listAdminKeys(caller.orgId, page);
  }

  async createAdminKey(caller: Principal, name: string): Promise<IssuedKey> {
    requireAdmin(caller);
    const key = await this.repo.createAdminKey(caller.orgId, name, this.clock.nowMs());
    this.keysChanged();
    return key;
  }

  async adminKey(caller: Principal, keyId: string): Promise<ApiKeyRow> {
    requireAdmin(caller);
    const key = await this.repo.key(keyId);
    if (!key || key.org_id !== caller.orgId || key.project_id !== null) {
      // SELFTUNE_ADMIN_KEY is configured, not stored: it is changed where it is set.
      throw appError('api_key_not_found', `No admin API key with id '${keyId}' in this organization (the SELFTUNE_ADMIN_KEY key is set in the server's environment, not here).`, 'key_id');
    }
    return key;
  }

  async revokeAdminKey(caller: Principal, keyId: string): Promise<ApiKeyRow> {
    const key = await this.adminKey(caller, keyId);
    await this.repo.deleteKey(key.id);
    this.keysChanged();
    return key;
  }

  // Organizations (selftune's extension: one deployment, several organizations)

  /** A new organization with its default project and a first admin key; only the deployment admin may make one. */
  async createOrganization(caller: Principal, name: string): Promise<{ organization: OrganizationRow; project: ProjectRow; key: IssuedKey }> {
    this.requireDeploymentAdmin(caller);
    const now = this.clock.nowMs();
    const { organization, project } = await this.repo.createOrganization(name, now);
    const key = await this.repo.createAdminKey(organization.id, `Admin key for ${name}`, now);
    this.keysChanged();
    return { organization, project, key };
  }

  listOrganizations(caller: Principal, page: PageRequest): Promise<OrganizationRow[]> {
    this.requireDeploymentAdmin(caller);
    return this.repo.listOrganizations(page);
  }

  private requireDeploymentAdmin(caller: Principal): void {
    if (!caller.deploymentAdmin) {
      throw appError('insufficient_permissions', 'Only the deployment admin (the SELFTUNE_ADMIN_KEY key) may create or list organizations.');
    }
  }

  private async activeProject(caller: Principal, projectId: string): Promise<ProjectRow> {
    const project = await this.project(caller, projectId);
    if (project.archived_at !== null) throw appError('project_archived', `Project ${project.id} is archived: it cannot be changed or given keys.`, 'project_id');
    return project;
  }
}
