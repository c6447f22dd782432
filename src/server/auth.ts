import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { appError } from '../errors/app-error.ts';
import type { Clock } from '../ids/clock.ts';
import { isRunnerToken } from '../runner/runner-tokens.ts';
import { hashKey } from '../tenancy/api-keys.ts';
import { canWrite, isRole } from '../tenancy/roles.ts';
import { DEFAULT_ORG_ID, DEFAULT_PROJECT_ID, type KeyGrant, type TenancyRepository } from '../tenancy/tenancy.repository.ts';
import type { Caller } from './context.ts';

/** @deprecated the default organization's id; records carry their project (Caller.projectId). */
export const DEFAULT_ORG = DEFAULT_ORG_ID;

const fingerprint = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** How long a key found in the database is trusted without asking again: a key revoked on another replica stops working within this. */
const GRANT_TTL_MS = 5_000;
/** last_used_at is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match ? match[1]!.trim() : null;
}

const sameKey = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const projectHeader = (request: FastifyRequest): string | null => {
  const value = request.headers['openai-project'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
};

export interface AuthSettings {
  /** SELFTUNE_ADMIN_KEY: the default organization's first admin key, the one that may create organizations. */
  adminKey: string | null;
  /** SELFTUNE_API_KEYS: member keys of the default project. */
  apiKeys: readonly string[];
}

/**
 * Who is calling. While no key exists anywhere (no SELFTUNE_ADMIN_KEY, no
 * SELFTUNE_API_KEYS, no key in the database) every caller is an admin of the
 * default project, which is why such a server listens on loopback only.
 * Otherwise a known key is required; the key decides the organization, the
 * project and the role. An admin key may pick a project of its organization
 * with OpenAI's `OpenAI-Project` header; a project key's header, if sent, must
 * name its own project.
 */
export class Authenticator {
  private keysExist: { value: boolean; at: number } | null = null;
  private readonly grants = new Map<string, { grant: KeyGrant | null; at: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly tenancy: TenancyRepository,
    private readonly settings: AuthSettings,
    private readonly clock: Clock,
  ) {}

  /** Whether requests need a key (checked again at most every few seconds). */
  async keysRequired(): Promise<boolean> {
    if (this.settings.adminKey || this.settings.apiKeys.length) return true;
    const now = this.clock.nowMs();
    if (!this.keysExist || (!this.keysExist.value && now - this.keysExist.at > GRANT_TTL_MS)) {
      this.keysExist = { value: await this.tenancy.anyKeys(), at: now };
    }
    return this.keysExist.value;
  }

  /** After a key is made or revoked here: this replica sees it at once. */
  keysChanged(): void {
    this.keysExist = null;
    this.grants.clear();
  }

  async authenticate(request: FastifyRequest): Promise<Caller> {
    const caller = await this.identify(request);
    if (!canWrite(caller.role) && !READ_METHODS.has(request.method)) {
      throw appError('insufficient_permissions', 'This API key is read-only: it may read (GET) but not create, change or delete anything.');
    }
    return caller;
  }

  private async identify(request: FastifyRequest): Promise<Caller> {
    const key = bearer(request);
    // A remote trainer's token reaches its job's runner routes and nothing else.
    if (key && isRunnerToken(key)) throw appError('invalid_api_key', 'A runner token is not an API key.');
    if (!(await this.keysRequired())) {
      return { orgId: DEFAULT_ORG_ID, projectId: DEFAULT_PROJECT_ID, role: 'admin', keyId: null, keyFingerprint: key ? fingerprint(key) : null, deploymentAdmin: true };
    }
    if (!key) throw appError('missing_api_key', "You didn't provide an API key. Provide it in the Authorization header (Authorization: Bearer YOUR_KEY).");
    const header = projectHeader(request);
    const { adminKey, apiKeys } = this.settings;
    if (adminKey && sameKey(adminKey, key)) {
      return { ...(await this.adminProject(DEFAULT_ORG_ID, header)), role: 'admin', keyId: 'key_deployment_admin', keyFingerprint: fingerprint(key), deploymentAdmin: true };
    }
    if (apiKeys.some((k) => sameKey(k, key))) {
      this.checkHeader(header, DEFAULT_PROJECT_ID);
      return { orgId: DEFAULT_ORG_ID, projectId: DEFAULT_PROJECT_ID, role: 'member', keyId: `key_env_${fingerprint(key)}`, keyFingerprint: fingerprint(key), deploymentAdmin: false };
    }
    const grant = await this.grant(hashKey(key));
    const now = this.clock.nowMs();
    if (!grant || (grant.key.expires_at !== null && grant.key.expires_at <= now) || !isRole(grant.key.role)) {
      throw appError('invalid_api_key', 'Incorrect API key provided.');
    }
    this.touch(grant.key.id, now);
    const { key: row } = grant;
    if (row.project_id === null) {
      return { ...(await this.adminProject(row.org_id, header)), role: grant.key.role as Caller['role'], keyId: row.id, keyFingerprint: fingerprint(key), deploymentAdmin: false };
    }
    if (grant.projectArchivedAt !== null) throw appError('invalid_api_key', 'The API key belongs to an archived project.');
    this.checkHeader(header, row.project_id);
    return { orgId: row.org_id, projectId: row.project_id, role: grant.key.role as Caller['role'], keyId: row.id, keyFingerprint: fingerprint(key), deploymentAdmin: false };
  }

  private checkHeader(header: string | null, projectId: string): void {
    if (header && header !== projectId) {
      throw appError('project_mismatch', `The OpenAI-Project header (${header}) does not match the project of the API key.`);
    }
  }

  /** The project an admin key acts in: the header's, which must belong to its organization, or the organization's default one. */
  private async adminProject(orgId: string, header: string | null): Promise<{ orgId: string; projectId: string }> {
    if (header) {
      const project = await this.tenancy.project(header);
      if (!project || project.org_id !== orgId) throw appError('project_not_found', `No project ${header} in this organization.`, 'OpenAI-Project');
      if (project.archived_at !== null) throw appError('project_not_found', `Project ${header} is archived.`, 'OpenAI-Project');
      return { orgId, projectId: project.id };
    }
    const org = await this.tenancy.organization(orgId);
    if (!org) throw appError('invalid_api_key', 'The API key belongs to an organization that no longer exists.');
    return { orgId, projectId: org.default_project_id };
  }

  private async grant(keyHash: string): Promise<KeyGrant | null> {
    const now = this.clock.nowMs();
    const cached = this.grants.get(keyHash);
    if (cached && now - cached.at < GRANT_TTL_MS) return cached.grant;
    const grant = await this.tenancy.keyByHash(keyHash);
    if (this.grants.size > 10_000) this.grants.clear(); // bounded: unknown keys are cached too
    this.grants.set(keyHash, { grant, at: now });
    return grant;
  }

  private touch(keyId: string, now: number): void {
    if (now - (this.touched.get(keyId) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(keyId, now);
    this.tenancy.touchKey(keyId, now).catch(() => this.touched.delete(keyId));
  }
}
