import type { FileRow, UploadPartRow, UploadRow } from '../../db/schema.ts';
import { unixSeconds } from '../../ids/clock.ts';
import { toOpenAiId } from '../../ids/ids.ts';
import { visibleStatus } from '../../uploads/upload-record.ts';
import { toWireFile } from './mappers.ts';

/** OpenAI's `Upload`: `file` is the File object once completed, else null. */
export function toWireUpload(u: UploadRow, nowMs: number, file: FileRow | null) {
  return {
    id: toOpenAiId('upload', u.id),
    object: 'upload' as const,
    bytes: Number(u.bytes),
    created_at: unixSeconds(Number(u.created_at)),
    expires_at: unixSeconds(Number(u.expires_at)),
    filename: u.filename,
    purpose: u.purpose,
    status: visibleStatus(u, nowMs),
    file: file ? toWireFile(file) : null,
  };
}

/** OpenAI's `UploadPart`. */
export const toWirePart = (p: UploadPartRow) => ({
  id: toOpenAiId('part', p.id),
  object: 'upload.part' as const,
  created_at: unixSeconds(Number(p.created_at)),
  upload_id: toOpenAiId('upload', p.upload_id),
});
