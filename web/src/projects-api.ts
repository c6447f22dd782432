import { api, withQuery } from './api.ts';

// OpenAI's Admin API (admin keys only), as the Projects page uses it.

export interface Project {
  id: string;
  name: string;
  created_at: number;
  archived_at: number | null;
  status: 'active' | 'archived';
}

export interface ServiceAccount {
  id: string;
  name: string;
  role: string;
  created_at: number;
}

export interface ProjectKey {
  id: string;
  name: string;
  redacted_value: string;
  created_at: number;
  last_used_at: number | null;
  owner: { service_account?: ServiceAccount };
}

export interface NewServiceAccount extends ServiceAccount {
  api_key: { id: string; value: string };
}

interface Page<T> {
  data: T[];
  has_more: boolean;
  last_id: string | null;
}

/** Every page of a cursor list (an organization has few projects and keys). */
async function all<T>(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  do {
    const page: Page<T> = await api<Page<T>>(withQuery(path, { ...query, limit: 100, after }), { signal });
    rows.push(...page.data);
    after = page.has_more ? page.last_id : null;
  } while (after);
  return rows;
}

const base = '/v1/organization/projects';
const project = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const listProjects = (signal?: AbortSignal) => all<Project>(base, { include_archived: 'true' }, signal);
export const getProject = (id: string, signal?: AbortSignal) => api<Project>(project(id), { signal });
export const createProject = (name: string) => api<Project>(base, { json: { name } });
export const archiveProject = (id: string) => api<Project>(`${project(id)}/archive`, { method: 'POST' });
export const listProjectKeys = (id: string, signal?: AbortSignal) => all<ProjectKey>(`${project(id)}/api_keys`, {}, signal);
/** A service account with its first key; `role` is selftune's extension (reader = read-only). */
export const createServiceAccount = (id: string, name: string, role: string) =>
  api<NewServiceAccount>(`${project(id)}/service_accounts`, { json: { name, role } });
export const revokeKey = (projectId: string, keyId: string) => api(`${project(projectId)}/api_keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
