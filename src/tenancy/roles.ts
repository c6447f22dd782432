// What a key may do. Admin keys belong to an organization and manage it (the
// Admin API at /v1/organization/…) besides everything a project key may do, in
// the project they name (OpenAI-Project header) or the organization's default
// one. Project keys are `owner` or `member` (OpenAI's service-account roles:
// read and write the project's records) or `reader` (selftune's read-only role:
// GET and HEAD only).
export const ROLES = ['admin', 'owner', 'member', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Whether the role may change anything (create, cancel, delete, run inference). */
export const canWrite = (role: Role): boolean => role !== 'reader';

/** Whether the role may use the organization Admin API. */
export const canAdminister = (role: Role): boolean => role === 'admin';
