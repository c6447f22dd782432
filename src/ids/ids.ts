import { randomBytes, randomUUID } from 'node:crypto';

// Records are keyed by UUIDs (Mistral's id shape). The OpenAI dialect shows the
// same UUID as a prefixed base62 string (`ftjob-…`, `file-…`), so one record has
// one identity and each API sees its own documented id shape.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_LENGTH = 24; // 128 bits need 22 digits; OpenAI's ids carry 24.

export const newUuid = (): string => randomUUID();

export function uuidToBase62(uuid: string): string {
  let n = BigInt(`0x${uuid.replace(/-/g, '')}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(BASE62_LENGTH, '0');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function base62ToUuid(text: string): string | null {
  if (!/^[0-9A-Za-z]{24}$/.test(text)) return null; // our ids are always 24 digits: anything else is not ours
  let n = 0n;
  for (const ch of text) n = n * 62n + BigInt(ALPHABET.indexOf(ch));
  if (n >= 1n << 128n) return null;
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The prefixes each kind of record carries in the OpenAI dialect. */
export const OPENAI_PREFIX = {
  job: 'ftjob-',
  file: 'file-',
  event: 'ftevent-',
  checkpoint: 'ftckpt_',
  upload: 'upload_',
  part: 'part_',
} as const;
export type RecordKind = keyof typeof OPENAI_PREFIX;

export const toOpenAiId = (kind: RecordKind, uuid: string): string => OPENAI_PREFIX[kind] + uuidToBase62(uuid);

/** Accepts either dialect's id for a record (prefixed base62 or a bare UUID). */
export function parseRecordId(kind: RecordKind, id: string): string | null {
  if (UUID_RE.test(id)) return id.toLowerCase();
  const prefix = OPENAI_PREFIX[kind];
  return id.startsWith(prefix) ? base62ToUuid(id.slice(prefix.length)) : null;
}

/** Random base62 text, for the tail of model names and request ids. */
export function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62]; // 248 = 4 × 62: rejection keeps the draw uniform
  }
  return out.length === length ? out : out + randomBase62(length - out.length);
}

// randomUUID draws from a cached entropy pool: a tenth of randomBytes' cost, which showed in every request's profile.
export const newRequestId = (): string => `req_${randomUUID().replaceAll('-', '')}`;
