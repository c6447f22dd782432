import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import type { AppContext } from '../../server/context.ts';
import { SERVICE_ACCOUNT_ROLES, TenancyService } from '../../tenancy/tenancy.service.ts';
import {
  deleted,
  toWireAdminKey,
  toWireNewServiceAccountKey,
  toWireOrganization,
  toWireProject,
  toWireProjectKey,
  toWireServiceAccount,
} from './organization.mappers.ts';
import { cursorPage, cursorQuery } from './pagination.ts';

// OpenAI's Admin API (/v1/organization/…) for admin keys, and selftune's
// /v1/organizations for the deployment admin. Rate limits live in their own routes.

const name = z.string().trim().min(1).max(256);
const named = z.object({ name });
const pageQuery = cursorQuery(20, 100).extend({ order: z.enum(['asc', 'desc']).default('asc') });
const projectsQuery = pageQuery.extend({ include_archived: z.enum(['true', 'false']).default('false') });
const accountCreate = z.object({ name, role: z.enum(SERVICE_ACCOUNT_ROLES).default('member') });
const accountUpdate = z.object({ name: name.optional(), role: z.enum(SERVICE_ACCOUNT_ROLES).optional() });
const keyCreate = z.object({ name: name.optional() });

type ProjectParams = { Params: { project_id: string } };
type AccountParams = { Params: { project_id: string; service_account_id: string } };
type KeyParams = { Params: { project_id: string; api_key_id: string } };

/** A request's JSON body, `{}` when it has none (the SDK's archive and delete send none). */
const body = <S extends z.ZodType>(schema: S, request: FastifyRequest) => parseOrThrow(schema, request.body ?? {});

export function openAiOrganizationRoutes(app: FastifyInstance, ctx: AppContext) {
  const admin = new TenancyService(ctx.tenancy, () => ctx.auth.keysChanged(), ctx.clock);

  app.get('/organization/projects', async (request) => {
    const q = parseOrThrow(projectsQuery, request.query);
    const rows = await admin.listProjects(request.caller, q.include_archived === 'true', q);
    return cursorPage(rows, q.limit, toWireProject, true);
  });
  app.post('/organization/projects', async (request) => toWireProject(await admin.createProject(request.caller, body(named, request).name)));
  app.get<ProjectParams>('/organization/projects/:project_id', async (request) => toWireProject(await admin.project(request.caller, request.params.project_id)));
  app.post<ProjectParams>('/organization/projects/:project_id', async (request) =>
    toWireProject(await admin.renameProject(request.caller, request.params.project_id, body(named.partial(), request).name)));
  app.post<ProjectParams>('/organization/projects/:project_id/archive', async (request) => toWireProject(await admin.archiveProject(request.caller, request.params.project_id)));

  app.get<ProjectParams>('/organization/projects/:project_id/service_accounts', async (request) => {
    const q = parseOrThrow(pageQuery, request.query);
    return cursorPage(await admin.listServiceAccounts(request.caller, request.params.project_id, q), q.limit, toWireServiceAccount, true);
  });
  app.post<ProjectParams>('/organization/projects/:project_id/service_accounts', async (request) => {
    const { name, role } = body(accountCreate, request);
    const { account, key } = await admin.createServiceAccount(request.caller, request.params.project_id, name, role);
    return { ...toWireServiceAccount(account), api_key: toWireNewServiceAccountKey(key) };
  });
  app.get<AccountParams>('/organization/projects/:project_id/service_accounts/:service_account_id', async (request) =>
    toWireServiceAccount(await admin.serviceAccount(request.caller, request.params.project_id, request.params.service_account_id)));
  app.post<AccountParams>('/organization/projects/:project_id/service_accounts/:service_account_id', async (request) =>
    toWireServiceAccount(await admin.updateServiceAccount(request.caller, request.params.project_id, request.params.service_account_id, body(accountUpdate, request))));
  app.delete<AccountParams>('/organization/projects/:project_id/service_accounts/:service_account_id', async (request) => {
    const account = await admin.deleteServiceAccount(request.caller, request.params.project_id, request.params.service_account_id);
    return deleted('organization.project.service_account', account.id);
  });
  app.post<AccountParams>('/organization/projects/:project_id/service_accounts/:service_account_id/api_keys', async (request) => {
    const key = await admin.createServiceAccountKey(request.caller, request.params.project_id, request.params.service_account_id, body(keyCreate, request).name);
    return toWireNewServiceAccountKey(key);
  });

  app.get<ProjectParams>('/organization/projects/:project_id/api_keys', async (request) => {
    const q = parseOrThrow(pageQuery, request.query);
    return cursorPage(await admin.listProjectKeys(request.caller, request.params.project_id, q), q.limit, toWireProjectKey, true);
  });
  app.get<KeyParams>('/organization/projects/:project_id/api_keys/:api_key_id', async (request) =>
    toWireProjectKey(await admin.projectKey(request.caller, request.params.project_id, request.params.api_key_id)));
  app.delete<KeyParams>('/organization/projects/:project_id/api_keys/:api_key_id', async (request) => {
    const key = await admin.revokeProjectKey(request.caller, request.params.project_id, request.params.api_key_id);
    return deleted('organization.project.api_key', key.id);
  });

  app.get('/organization/admin_api_keys', async (request) => {
    const q = parseOrThrow(pageQuery, request.query);
    return cursorPage(await admin.listAdminKeys(request.caller, q), q.limit, toWireAdminKey, true);
  });
  app.post('/organization/admin_api_keys', async (request) => {
    const { row, value } = await admin.createAdminKey(request.caller, body(named, request).name);
    return { ...toWireAdminKey(row), value };
  });
  app.get<{ Params: { key_id: string } }>('/organization/admin_api_keys/:key_id', async (request) => toWireAdminKey(await admin.adminKey(request.caller, request.params.key_id)));
  app.delete<{ Params: { key_id: string } }>('/organization/admin_api_keys/:key_id', async (request) => {
    const key = await admin.revokeAdminKey(request.caller, request.params.key_id);
    return deleted('organization.admin_api_key', key.id);
  });

  // Extension: organizations, for the deployment admin.
  app.get('/organizations', async (request) => {
    const q = parseOrThrow(pageQuery, request.query);
    return cursorPage(await admin.listOrganizations(request.caller, q), q.limit, toWireOrganization, true);
  });
  app.post('/organizations', async (request) => {
    const { organization, project, key } = await admin.createOrganization(request.caller, body(named, request).name);
    return { ...toWireOrganization(organization), default_project: toWireProject(project), admin_key: { ...toWireAdminKey(key.row), value: key.value } };
  });
}
