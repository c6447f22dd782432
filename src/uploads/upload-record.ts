import type { UploadRow } from '../db/schema.ts';

/**
 * An upload's life: `pending` takes parts; a complete claims it (`completing`,
 * shown as pending) and ends `completed`, or gives it back to `pending` when it
 * fails, so the client may try again; `cancelled` and `expired` are final.
 */
export const UPLOAD_STATUSES = ['pending', 'completing', 'completed', 'cancelled', 'expired'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** The statuses in which an upload still keeps its parts for a complete. */
export const OPEN_STATUSES: readonly UploadStatus[] = ['pending', 'completing'];

/** OpenAI's ceiling for one upload's total size. */
export const MAX_UPLOAD_TOTAL_BYTES = 8 * 1024 ** 3;

/** A complete that claimed an upload this long ago and never finished died with its server: the sweep may expire it. */
export const STALE_COMPLETE_MS = 60 * 60 * 1000;

/** Where a part's bytes are kept in the blob store. */
export const partBlobKey = (partId: string) => `upload-parts/${partId}`;

/** The status a client sees: one past its expiry that the sweep has not reached yet is already expired. */
export function visibleStatus(row: UploadRow, nowMs: number): Exclude<UploadStatus, 'completing'> {
  if (row.status === 'completing') return 'pending';
  if (row.status === 'pending' && row.expires_at <= nowMs) return 'expired';
  return row.status as Exclude<UploadStatus, 'completing'>;
}

export interface NewUpload {
  filename: string;
  purpose: string;
  mimeType: string;
  bytes: number;
  /** The resulting file's expiry (`expires_after.seconds`). */
  fileExpiresAfterSeconds?: number | undefined;
}
