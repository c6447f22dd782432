import type { Role } from './roles.ts';

/** Where a record lives: projects are the unit of isolation, organizations group them. */
export interface Tenant {
  orgId: string;
  projectId: string;
}

/** Who is calling (server/auth.ts decides it from the request's key). */
export interface Principal extends Tenant {
  role: Role;
  /** The API key's id; null while the server has no keys at all. */
  keyId: string | null;
  /** A fingerprint of the API key, so "created by me" can be answered without storing keys. */
  keyFingerprint: string | null;
  /** The SELFTUNE_ADMIN_KEY holder (or anyone, on a server without keys): may create organizations. */
  deploymentAdmin: boolean;
}

/** The tenant a stored record (file, job or model row) belongs to. */
export const tenantOfRow = (row: { org_id: string; project_id: string }): Tenant => ({ orgId: row.org_id, projectId: row.project_id });
