import { isIPv4, isIPv6 } from 'node:net';

/** Whether `host` reaches this machine only: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return /^::ffff:127\./.test(h);
  return false;
}

export const isWildcard = (host: string) => ['0.0.0.0', '::', '[::]', ''].includes(host);

/** The server would be reachable by anyone without a key; the message names the fix. */
export class ExposureRefused extends Error {}

export interface ExposureFacts {
  host: string;
  /** Some key exists (SELFTUNE_ADMIN_KEY, SELFTUNE_API_KEYS, or one in the database). */
  keysRequired: boolean;
  allowNoAuth: boolean;
  publicUrl: string | null;
}

export interface ExposureVerdict {
  /** Why the server must not listen (the fix named), or null. */
  refusal: string | null;
  warnings: string[];
  notes: string[];
}

/**
 * Who can reach the server and what they may do. Without any key every caller
 * is an admin, so such a server serves loopback only unless told otherwise.
 */
export function judgeExposure(f: ExposureFacts): ExposureVerdict {
  const verdict: ExposureVerdict = { refusal: null, warnings: [], notes: [] };
  const local = isLoopback(f.host);
  if (!f.keysRequired) {
    if (local) {
      verdict.notes.push(`No API key is configured: serving on loopback (${f.host}) only, where every caller is an admin. Set SELFTUNE_ADMIN_KEY to require keys.`);
    } else if (!f.allowNoAuth) {
      verdict.refusal = `Refusing to listen on ${f.host || 'every address'} without API keys: anyone who reaches it could read, change and delete everything. ` +
        'Set SELFTUNE_ADMIN_KEY (or SELFTUNE_API_KEYS), listen on 127.0.0.1, or, to serve without keys on purpose, set SELFTUNE_ALLOW_NO_AUTH=true (selftune serve --allow-no-auth).';
    } else {
      verdict.warnings.push(`SERVING WITHOUT API KEYS ON ${f.host || 'every address'} (SELFTUNE_ALLOW_NO_AUTH): anyone who reaches this server is an admin and can read, change and delete everything.`);
    }
  }
  if (!local && !f.publicUrl) {
    verdict.warnings.push('SELFTUNE_PUBLIC_URL is not set: signed file URLs point at this server\'s own listen address (loopback when it listens on every address); set it to the address clients use.');
  }
  return verdict;
}
