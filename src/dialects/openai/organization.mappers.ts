import type { ApiKeyRow, OrganizationRow, ProjectRow, ServiceAccountRow } from '../../db/schema.ts';
import { unixSeconds } from '../../ids/clock.ts';
import type { IssuedKey, ProjectKeyRow } from '../../tenancy/tenancy.repository.ts';

// The Admin API's objects in OpenAI's shapes (times in seconds). selftune's
// extras: a service account's role may be `reader`; organizations are objects too.

const seconds = (ms: number | null): number | null => (ms === null ? null : unixSeconds(ms));

export const toWireProject = (p: ProjectRow) => ({
  object: 'organization.project' as const,
  id: p.id,
  name: p.name,
  created_at: unixSeconds(p.created_at),
  archived_at: seconds(p.archived_at),
  status: p.archived_at === null ? 'active' : 'archived',
});

export const toWireServiceAccount = (a: ServiceAccountRow) => ({
  object: 'organization.project.service_account' as const,
  id: a.id,
  name: a.name,
  role: a.role,
  created_at: unixSeconds(a.created_at),
});

/** The one time a key's value is shown: in the answer that made it. */
export const toWireNewServiceAccountKey = ({ row, value }: IssuedKey) => ({
  object: 'organization.project.service_account.api_key' as const,
  id: row.id,
  name: row.name,
  value,
  created_at: unixSeconds(row.created_at),
  expires_at: seconds(row.expires_at),
});

/** What every listed key shows: never its value. */
const keyFields = (key: ApiKeyRow) => ({
  id: key.id,
  name: key.name,
  redacted_value: key.redacted_value,
  created_at: unixSeconds(key.created_at),
  last_used_at: seconds(key.last_used_at),
  expires_at: seconds(key.expires_at),
});

export const toWireProjectKey = ({ key, account }: ProjectKeyRow) => ({
  object: 'organization.project.api_key' as const,
  ...keyFields(key),
  owner: account ? { type: 'service_account' as const, service_account: toWireServiceAccount(account) } : {},
  owner_project_access: 'active' as const,
});

/** OpenAI's admin keys are owned by a user; selftune has no users, so the owner is the organization. */
export const toWireAdminKey = (key: ApiKeyRow) => ({
  object: 'organization.admin_api_key' as const,
  ...keyFields(key),
  owner: { type: 'organization', object: 'organization', id: key.org_id, role: 'owner' },
});

export const toWireOrganization = (o: OrganizationRow) => ({
  object: 'organization' as const,
  id: o.id,
  name: o.name,
  default_project_id: o.default_project_id,
  created_at: unixSeconds(o.created_at),
});

export const deleted = (object: string, id: string) => ({ object: `${object}.deleted`, id, deleted: true });
