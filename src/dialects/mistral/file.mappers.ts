import type { FileRow } from '../../db/schema.ts';
import { unixSeconds } from '../../ids/clock.ts';

// Files → Mistral's FileSchema. `bytes` (the SDK's `sizeBytes`), `purpose`,
// `sample_type` and `source` must never be null; `visibility` only workspace|user|null.

export function toFileOut(f: FileRow) {
  return {
    id: f.id,
    object: 'file' as const,
    bytes: Number(f.bytes),
    created_at: unixSeconds(Number(f.created_at)),
    filename: f.filename,
    purpose: f.purpose,
    sample_type: f.sample_type,
    source: f.source,
    num_lines: f.num_lines,
    mimetype: f.mimetype,
    signature: f.sha256 ? f.sha256.slice(0, 16) : null,
    expires_at: f.expires_at == null ? null : unixSeconds(Number(f.expires_at)),
    visibility: f.visibility === 'workspace' || f.visibility === 'user' ? f.visibility : null,
  };
}
