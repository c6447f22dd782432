import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore, DataMirror } from '../blobs/blob-store.ts';
import type { Kysely } from 'kysely';
import type { Database, FileRow } from '../db/schema.ts';
import { checkJsonlUpload } from '../datasets/index.ts';
import { invalidRequest, notFound } from '../errors/app-error.ts';
import type { Clock } from '../ids/clock.ts';
import { newUuid } from '../ids/ids.ts';
import type { Tenant } from '../tenancy/principal.ts';
import { RESULTS_PURPOSE } from './file-record.ts';
import type { FileListQuery, FilesRepository } from './files.repository.ts';

/** An upload already streamed to the staging area. */
export interface StagedUpload {
  path: string;
  filename: string;
  bytes: number;
  sha256: string;
}

export interface UploadOptions {
  purpose: string;
  expiresAfterSeconds?: number | undefined;
  visibility?: string | undefined;
  /** Mistral's rule: the same name and content as a stored file returns that file instead of a copy. */
  reuseIdentical?: boolean | undefined;
}

export class FilesService {
  constructor(
    private readonly repo: FilesRepository,
    private readonly blobs: BlobStore,
    /** Brings a file's blob into the data directory when it lives in object storage. */
    private readonly mirror: DataMirror,
    private readonly dataDir: string,
    private readonly clock: Clock,
    /** Asked before a file is deleted; returns why it may not be, or null. */
    private readonly deletionGuard: (tenant: Tenant, fileId: string) => Promise<string | null> = async () => null,
  ) {}

  /** Runs a new upload's insert; limits/ replaces it with one that checks the project's storage quota in the same transaction. */
  admitFile: (row: FileRow, insert: (db?: Kysely<Database>) => Promise<void>) => Promise<void> = (_row, insert) => insert();

  /** Told of every stored upload (a training file usually means a job is about to be created). */
  onUploaded: (row: FileRow) => void = () => {};

  /** Checks a staged upload and stores it; a rejected upload leaves nothing behind. */
  async createFromUpload(tenant: Tenant, staged: StagedUpload, opts: UploadOptions): Promise<FileRow> {
    try {
      const { numLines, sampleType } = await this.checkContent(staged, opts.purpose);
      if (opts.reuseIdentical) {
        const same = await this.repo.findIdentical(tenant, staged.filename, staged.sha256, opts.purpose);
        if (same) return same;
      }
      const id = newUuid();
      const now = this.clock.nowMs();
      const row: FileRow = {
        id,
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        filename: staged.filename,
        purpose: opts.purpose,
        bytes: staged.bytes,
        created_at: now,
        expires_at: opts.expiresAfterSeconds ? now + opts.expiresAfterSeconds * 1000 : null,
        status: 'processed',
        status_details: null,
        blob_key: id,
        num_lines: numLines,
        sample_type: sampleType,
        source: 'upload',
        mimetype: opts.purpose === 'fine-tune' ? 'application/jsonl' : null,
        sha256: staged.sha256,
        visibility: opts.visibility ?? null,
        job_id: null,
      };
      await this.blobs.commit(staged.path, row.blob_key);
      try {
        await this.admitFile(row, (db) => this.repo.insert(row, db));
      } catch (err) {
        await this.blobs.remove(row.blob_key);
        throw err;
      }
      this.onUploaded(row);
      return row;
    } finally {
      await rm(staged.path, { force: true }); // gone already when committed
    }
  }

  private async checkContent(staged: StagedUpload, purpose: string) {
    if (staged.bytes === 0) throw invalidRequest('The uploaded file is empty.', 'file', 'empty_file');
    if (purpose !== 'fine-tune') return { numLines: null, sampleType: 'other' };
    if (!staged.filename.toLowerCase().endsWith('.jsonl')) {
      throw invalidRequest(
        `Invalid file format for Fine-Tuning API. Must be .jsonl (got '${staged.filename}').`,
        'file',
        'invalid_file_format',
      );
    }
    const check = await checkJsonlUpload(staged.path);
    if (!check.ok) throw invalidRequest(check.message, 'file', check.code);
    return { numLines: check.lines, sampleType: check.sampleType };
  }

  /** Stores a file the server produced itself (a job's result file, in the job's project). */
  async createGenerated(tenant: Tenant, jobId: string, filename: string, content: Buffer): Promise<FileRow> {
    const id = newUuid();
    const row: FileRow = {
      id,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      filename,
      purpose: RESULTS_PURPOSE,
      bytes: content.length,
      created_at: this.clock.nowMs(),
      expires_at: null,
      status: 'processed',
      status_details: null,
      blob_key: id,
      num_lines: null,
      sample_type: 'results',
      source: 'job',
      mimetype: 'text/csv',
      sha256: '',
      visibility: null,
      job_id: jobId,
    };
    await this.blobs.put(row.blob_key, content);
    await this.repo.insert(row);
    return row;
  }

  /** `shownAs` is the id as the client sent it, for the error message. */
  async get(tenant: Tenant, id: string | null, shownAs: string | null = id): Promise<FileRow> {
    const row = id ? await this.repo.find(tenant, id) : undefined;
    if (!row) throw notFound(`No such File object: ${shownAs}`, 'id', 'file_not_found');
    return row;
  }

  page(q: FileListQuery): Promise<FileRow[]> {
    return this.repo.page(q);
  }

  openContent(row: FileRow): Promise<Readable> {
    return this.blobs.read(row.blob_key);
  }

  /** The stored content's size (what a download sends). */
  contentBytes(row: FileRow): Promise<number> {
    return this.blobs.size(row.blob_key);
  }

  /**
   * A path on this machine with the file's content, for readers that need a
   * file (validation, the trainer): the blob itself on disk, or a copy fetched
   * once from object storage into `files/<key>`.
   */
  async localCopy(row: FileRow): Promise<string> {
    const rel = `files/${row.blob_key}`;
    if (!(await this.mirror.fetch(rel))) throw notFound(`The content of file ${row.id} is missing from storage.`, 'id', 'file_not_found');
    return join(this.dataDir, rel);
  }

  async delete(tenant: Tenant, id: string | null, shownAs: string | null = id): Promise<FileRow> {
    const row = await this.get(tenant, id, shownAs);
    const refusal = await this.deletionGuard(tenant, row.id);
    if (refusal) throw invalidRequest(refusal, 'id', 'file_in_use');
    await this.blobs.freeingSpace(() => this.repo.delete(tenant, row.id));
    await this.blobs.remove(row.blob_key);
    return row;
  }
}
