import { appError } from '../errors/app-error.ts';
import type { ProjectRow } from '../db/schema.ts';
import type { Principal } from './principal.ts';
import { canAdminister } from './roles.ts';
import type { TenancyRepository } from './tenancy.repository.ts';

/** The Admin API (/v1/organization/…) is for admin keys only. */
export function requireAdmin(caller: Principal): void {
  if (!canAdminister(caller.role)) {
    throw appError('insufficient_permissions', 'This endpoint needs an admin API key (SELFTUNE_ADMIN_KEY or one made with POST /v1/organization/admin_api_keys).');
  }
}

/** A project of the admin caller's organization; any other project is not found (its existence is not disclosed). */
export async function projectOfOrganization(tenancy: TenancyRepository, caller: Principal, projectId: string): Promise<ProjectRow> {
  requireAdmin(caller);
  const project = await tenancy.project(projectId);
  if (!project || project.org_id !== caller.orgId) throw appError('project_not_found', `No project with id '${projectId}' in this organization.`, 'project_id');
  return project;
}
