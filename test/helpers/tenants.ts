import OpenAI from 'openai';
import type { Role } from '../../src/tenancy/roles.ts';
import type { TestServer } from './server.ts';

/** A project of its own with a key, made straight in the server's store (the Admin API makes them the same way). */
export interface TestTenant {
  orgId: string;
  projectId: string;
  /** The project key's value. */
  key: string;
  /** The openai SDK with that key. */
  client: OpenAI;
}

/**
 * A new organization (unless `orgId` names one) with a new project and a
 * service-account key of `role` (member unless told). The server then needs
 * keys on every request.
 */
export async function createTenant(t: TestServer, opts: { orgId?: string; projectName?: string; role?: Role } = {}): Promise<TestTenant> {
  const { tenancy, auth, clock } = t.server.ctx;
  const now = clock.nowMs();
  const orgId = opts.orgId ?? (await tenancy.createOrganization(`org ${now}`, now)).organization.id;
  const project = await tenancy.createProject(orgId, opts.projectName ?? `project ${now}`, now);
  const { key } = await tenancy.createServiceAccount(project, 'tests', opts.role ?? 'member', now);
  auth.keysChanged();
  return { orgId, projectId: project.id, key: key.value, client: openAiClient(t, key.value) };
}

/** The openai SDK pointed at the test server with `apiKey` and no retries. */
export const openAiClient = (t: TestServer, apiKey: string, extra: { project?: string; maxRetries?: number } = {}) =>
  new OpenAI({ apiKey, baseURL: `${t.url}/v1`, maxRetries: extra.maxRetries ?? 0, project: extra.project ?? null });

/** The default organization's default project: where SELFTUNE_API_KEYS and a server without keys act. */
export const DEFAULT_TENANT = { orgId: 'org-default', projectId: 'proj_default' };
