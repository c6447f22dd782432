import { rm } from 'node:fs/promises';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { FileRow, UploadPartRow, UploadRow } from '../db/schema.ts';
import { invalidRequest, notFound } from '../errors/app-error.ts';
import type { FilesService, StagedUpload } from '../files/files.service.ts';
import type { Clock } from '../ids/clock.ts';
import { newUuid } from '../ids/ids.ts';
import type { Tenant } from '../tenancy/principal.ts';
import { concatenateParts } from './part-concat.ts';
import { type NewUpload, partBlobKey, visibleStatus } from './upload-record.ts';
import type { UploadsRepository } from './uploads.repository.ts';

/** A part id as the client sent it, and the record id it names (null: not a part id at all). */
export interface PartReference {
  id: string | null;
  shownAs: string;
}

const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/**
 * OpenAI's Uploads API: a file sent in parts. Each part is staged and stored as
 * a blob of its own as it arrives; a complete streams the parts, in the order
 * the client gives, into one staged file and stores it through FilesService
 * exactly as a single-request upload (validation, quota, the file's record).
 * Parts go once the upload has ended; a failed complete gives the upload back
 * as pending, so the client may try again, and leaves no file.
 */
export class UploadsService {
  constructor(
    private readonly repo: UploadsRepository,
    private readonly blobs: BlobStore,
    private readonly files: FilesService,
    private readonly clock: Clock,
    private readonly opts: { expiryMs: number },
  ) {}

  /** Refuses an upload the project's storage quota could not hold; limits/ replaces it (container.ts). */
  checkRoom: (projectId: string, bytes: number) => Promise<void> = async () => {};

  async create(tenant: Tenant, req: NewUpload): Promise<UploadRow> {
    await this.checkRoom(tenant.projectId, req.bytes);
    const now = this.clock.nowMs();
    const row: UploadRow = {
      id: newUuid(), org_id: tenant.orgId, project_id: tenant.projectId, filename: req.filename, purpose: req.purpose, mime_type: req.mimeType,
      bytes: req.bytes, file_expires_after_seconds: req.fileExpiresAfterSeconds ?? null, status: 'pending', completing_since: null, file_id: null,
      created_at: now, expires_at: now + this.opts.expiryMs,
    };
    await this.repo.insert(row);
    return row;
  }

  /** `shownAs`: the id as the client sent it, for the message. */
  async get(tenant: Tenant, id: string | null, shownAs: string | null = id): Promise<UploadRow> {
    const row = id ? await this.repo.find(tenant, id) : undefined;
    if (!row) throw notFound(`No such Upload object: ${shownAs}`, 'upload_id', 'upload_not_found');
    return row;
  }

  /** The upload's file, once completed. */
  async fileOf(tenant: Tenant, row: UploadRow): Promise<FileRow | null> {
    return row.status === 'completed' && row.file_id ? this.files.get(tenant, row.file_id).catch(() => null) : null;
  }

  /** Throws unless the upload takes parts, completes or cancels now (pending and unexpired). */
  private ensurePending(row: UploadRow, doing: string): void {
    if (row.status === 'completing') throw invalidRequest(`Cannot ${doing}: the upload is being completed.`, 'upload_id', 'invalid_upload_status');
    const status = visibleStatus(row, this.clock.nowMs());
    if (status !== 'pending') throw invalidRequest(`Cannot ${doing}: the upload is ${status}.`, 'upload_id', 'invalid_upload_status');
  }

  /**
   * Adds a part: `receive` streams the request's part to the staging folder
   * (up to the part limit). Stored first, then counted: a part the upload
   * cannot take (past its declared bytes, or ended meanwhile) is removed again.
   */
  async addPart(tenant: Tenant, uploadId: string | null, shownAs: string, receive: () => Promise<StagedUpload>): Promise<UploadPartRow> {
    const upload = await this.get(tenant, uploadId, shownAs);
    this.ensurePending(upload, 'add a part');
    const staged = await receive();
    try {
      const id = newUuid();
      const part: UploadPartRow = { id, upload_id: upload.id, bytes: staged.bytes, blob_key: partBlobKey(id), created_at: this.clock.nowMs() };
      if (staged.bytes === 0) throw invalidRequest('The part is empty.', 'data', 'empty_file');
      await this.blobs.commit(staged.path, part.blob_key);
      const added = await this.repo.addPart(part, upload.bytes, this.clock.nowMs()).catch(async (err: unknown) => {
        await this.blobs.remove(part.blob_key);
        throw err;
      });
      if (added.refused) {
        await this.blobs.remove(part.blob_key);
        if (added.refused === 'not_pending') this.ensurePending(await this.get(tenant, upload.id), 'add a part');
        throw invalidRequest(
          `The part (${bytes(part.bytes)}) would take the upload past the ${bytes(upload.bytes)} it was created with: ${bytes(added.received)} are already received.`,
          'data', 'upload_too_large');
      }
      return part;
    } finally {
      await rm(staged.path, { force: true }); // moved into the store when committed
    }
  }

  /**
   * Joins the parts named, in that order, into the upload's file. The byte
   * count must equal the declared `bytes`, and `md5` (if given) the parts'
   * md5; parts not named are dropped with the rest.
   */
  async complete(tenant: Tenant, uploadId: string | null, shownAs: string, partIds: PartReference[], md5?: string): Promise<{ upload: UploadRow; file: FileRow }> {
    const upload = await this.get(tenant, uploadId, shownAs);
    this.ensurePending(upload, 'complete the upload');
    const ordered = await this.resolveParts(upload, partIds);
    const total = ordered.reduce((sum, p) => sum + p.bytes, 0);
    if (total !== upload.bytes) throw this.bytesMismatch(upload, total);
    await this.take(tenant, upload, 'completing', 'complete the upload');
    let file: FileRow;
    try {
      file = await this.join(tenant, upload, ordered.map((p) => p.blob_key), md5);
    } catch (err) {
      await this.repo.move(upload.id, 'completing', 'pending', { completing_since: null });
      throw err;
    }
    await this.repo.move(upload.id, 'completing', 'completed', { completing_since: null, file_id: file.id });
    await this.removeEndedParts();
    return { upload: { ...upload, status: 'completed', file_id: file.id, completing_since: null }, file };
  }

  private async join(tenant: Tenant, upload: UploadRow, blobKeys: string[], md5: string | undefined): Promise<FileRow> {
    const joined = await concatenateParts(this.blobs, blobKeys);
    try {
      if (joined.bytes !== upload.bytes) throw this.bytesMismatch(upload, joined.bytes);
      if (md5 !== undefined && md5.toLowerCase() !== joined.md5) {
        throw invalidRequest(`The md5 of the parts in the order given is ${joined.md5}, not ${md5}.`, 'md5', 'upload_checksum_mismatch');
      }
      const staged = { path: joined.path, filename: upload.filename, bytes: joined.bytes, sha256: joined.sha256 };
      return await this.files.createFromUpload(tenant, staged, { purpose: upload.purpose, expiresAfterSeconds: upload.file_expires_after_seconds ?? undefined });
    } finally {
      await rm(joined.path, { force: true });
    }
  }

  private bytesMismatch(upload: UploadRow, total: number) {
    return invalidRequest(`The parts given add up to ${bytes(total)}; the upload was created with bytes ${upload.bytes}.`, 'part_ids', 'upload_bytes_mismatch');
  }

  private async resolveParts(upload: UploadRow, refs: PartReference[]): Promise<UploadPartRow[]> {
    const byId = new Map((await this.repo.parts(upload.id)).map((p) => [p.id, p]));
    const seen = new Set<string>();
    return refs.map((ref, i) => {
      const part = ref.id ? byId.get(ref.id) : undefined;
      if (!part) throw invalidRequest(`part_ids[${i}] (${ref.shownAs}) is not a part of this upload.`, `part_ids[${i}]`, 'invalid_part_ids');
      if (seen.has(part.id)) throw invalidRequest(`part_ids[${i}] (${ref.shownAs}) is listed twice.`, `part_ids[${i}]`, 'invalid_part_ids');
      seen.add(part.id);
      return part;
    });
  }

  /** Cancels a pending upload and deletes its parts. */
  async cancel(tenant: Tenant, uploadId: string | null, shownAs: string): Promise<UploadRow> {
    const upload = await this.get(tenant, uploadId, shownAs);
    this.ensurePending(upload, 'cancel the upload');
    await this.take(tenant, upload, 'cancelled', 'cancel the upload');
    await this.removeEndedParts();
    return { ...upload, status: 'cancelled' };
  }

  /** Moves a pending upload on; a request that lost the race is told the status the winner left. */
  private async take(tenant: Tenant, upload: UploadRow, to: 'completing' | 'cancelled', doing: string): Promise<void> {
    if (await this.repo.move(upload.id, 'pending', to, to === 'completing' ? { completing_since: this.clock.nowMs() } : {})) return;
    this.ensurePending(await this.get(tenant, upload.id), doing);
    throw invalidRequest(`Cannot ${doing}: another request changed the upload meanwhile; try again.`, 'upload_id', 'invalid_upload_status');
  }

  /** Expires unfinished uploads past their time and deletes every ended upload's parts (the periodic sweep). */
  async sweep(): Promise<void> {
    await this.repo.expire(this.clock.nowMs());
    await this.removeEndedParts();
  }

  /** Blob first, then row: a crash in between leaves a row the next sweep removes again. */
  private async removeEndedParts(): Promise<void> {
    for (let batch = await this.repo.ended(100); batch.length; batch = await this.repo.ended(100)) {
      for (const part of batch) {
        await this.blobs.remove(part.blob_key);
        await this.repo.deletePart(part.id);
      }
    }
  }
}
