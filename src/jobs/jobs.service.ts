import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EventsRepository, NewEvent } from '../events/events.repository.ts';
import { invalidRequest, notFound } from '../errors/app-error.ts';
import type { FilesRepository } from '../files/files.repository.ts';
import type { Clock } from '../ids/clock.ts';
import { newUuid, toOpenAiId } from '../ids/ids.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import type { Tenant } from '../tenancy/principal.ts';
import type { RepositoryImporter } from '../repositories/git-import.ts';
import type { Integration, Job, JobChanges, JobOptions, RequestedHyperparameters, TrainingFileRef } from './job.ts';
import type { JobSignals } from './job-signals.ts';
import { canMove, isTerminal, type JobStatus, sourcesOf } from './job-status.ts';
import type { JobListQuery, JobsRepository } from './jobs.repository.ts';

/** A create request, whichever dialect it came through: what its pure request mapper made of it. */
export interface CreateJobCommand {
  /** Whose job it is: the caller's organization and project. */
  tenant: Tenant;
  /** Which API asked: stored as provenance, never read by the domain (every difference is in `options`). */
  createdVia: 'openai' | 'mistral';
  createdBy: string | null;
  jobType: Job['jobType'];
  model: string;
  trainingFiles: TrainingFileRef[];
  validationFiles: string[];
  methodType: Job['methodType'];
  hyperparameters: RequestedHyperparameters;
  suffix: string | null;
  seed: number | null;
  metadata: Record<string, string> | null;
  integrations: Integration[];
  autoStart: boolean;
  /** Repositories come with no commit yet: `create` resolves their refs. */
  options: JobOptions;
}

const MAX_SEED = 2147483647;

export interface MoveOptions {
  /** Narrows the statuses the job may be in (each must be allowed by JOB_TRANSITIONS). */
  from?: readonly JobStatus[];
  level?: NewEvent['level'];
}

/** Work done in the same transaction as a move to a terminal status (webhooks/: the job's outbox rows). */
export interface TerminalHook {
  write(job: Job, db: Kysely<Database>): Promise<void>;
  /** Told once the change is committed. */
  committed(): void;
}

export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly events: EventsRepository,
    private readonly files: FilesRepository,
    private readonly catalog: ModelCatalog,
    private readonly signals: JobSignals,
    private readonly clock: Clock,
    private readonly repositories: Pick<RepositoryImporter, 'resolve'>,
  ) {}

  /** Runs a new job's insert; limits/ replaces it with one that checks the project's quota in the same transaction. */
  admitJob: (projectId: string, insert: (db?: Kysely<Database>) => Promise<void>) => Promise<void> = (_projectId, insert) => insert();

  /** Set by webhooks/: a crash cannot separate a job's end from its event. */
  terminalHook: TerminalHook | null = null;

  async create(cmd: CreateJobCommand): Promise<Job> {
    if (cmd.methodType === 'reinforcement') {
      throw invalidRequest(
        `Fine-tuning method '${cmd.methodType}' is not supported yet; use 'supervised' or 'dpo'.`,
        'method.type',
        'unsupported_method',
      );
    }
    if (!(await this.catalog.trainable(cmd.tenant, cmd.model))) {
      throw invalidRequest(`Model ${cmd.model} is not available for fine-tuning or does not exist.`, 'model', 'model_not_available');
    }
    await this.checkFiles(cmd.tenant, cmd.trainingFiles.map((f) => f.file_id), 'training_file');
    await this.checkFiles(cmd.tenant, cmd.validationFiles, 'validation_file');
    // The commit each ref names now, as the real API reports at create; validation clones it.
    const repositories: JobOptions['repositories'] = [];
    for (const [i, repo] of cmd.options.repositories.entries()) repositories.push(await this.repositories.resolve(repo, `repositories[${i}]`));
    const now = this.clock.nowMs();
    const id = newUuid();
    await this.admitJob(cmd.tenant.projectId, (db) => this.jobs.insert({
      id,
      orgId: cmd.tenant.orgId,
      projectId: cmd.tenant.projectId,
      createdBy: cmd.createdBy,
      jobType: cmd.jobType,
      status: 'validating',
      model: cmd.model,
      trainingFiles: cmd.trainingFiles,
      validationFiles: cmd.validationFiles,
      methodType: cmd.methodType,
      hyperparameters: cmd.hyperparameters,
      resolvedHyperparameters: null,
      suffix: cmd.suffix,
      seed: cmd.seed ?? Math.floor(Math.random() * MAX_SEED),
      metadata: cmd.metadata,
      integrations: cmd.integrations,
      autoStart: cmd.autoStart,
      options: { ...cmd.options, repositories },
      fineTunedModel: null,
      resultFiles: [],
      trainedTokens: null,
      error: null,
      stats: { timings: { created: now } },
      totalSteps: null,
      currentStep: 0,
      estimatedFinish: null,
      control: null,
      recoveries: 0,
      createdAt: now,
      modifiedAt: now,
      queuedAt: null,
      startedAt: null,
      finishedAt: null,
    }, cmd.createdVia, db));
    const openAiId = toOpenAiId('job', id);
    await this.event({ jobId: id, message: `Created fine-tuning job: ${openAiId}`, status: 'validating', data: {} });
    const training = cmd.trainingFiles.map((f) => toOpenAiId('file', f.file_id)).join(', ');
    const validation = cmd.validationFiles.map((f) => toOpenAiId('file', f)).join(', ');
    await this.event({
      jobId: id,
      message: validation
        ? `Validating training file: ${training} and validation file: ${validation}`
        : `Validating training file: ${training}`,
      data: {},
    });
    this.signals.emit('wake');
    return this.get(cmd.tenant, id);
  }

  private async checkFiles(tenant: Tenant, ids: string[], param: 'training_file' | 'validation_file') {
    for (const id of ids) {
      const file = await this.files.find(tenant, id);
      if (!file) throw invalidRequest(`invalid ${param}: ${toOpenAiId('file', id)} (no such file)`, param, 'invalid_file');
      if (file.purpose !== 'fine-tune') {
        throw invalidRequest(
          `invalid ${param}: ${toOpenAiId('file', id)} has purpose '${file.purpose}'; fine-tuning needs purpose 'fine-tune'.`,
          param,
          'invalid_file_purpose',
        );
      }
      if (file.status !== 'processed') {
        throw invalidRequest(`File '${toOpenAiId('file', id)}' is not ready (status ${file.status}).`, param, 'file_not_ready');
      }
    }
  }

  /** `shownAs` is the id as the client sent it, for the error message. */
  async get(tenant: Tenant, id: string | null, shownAs: string | null = id): Promise<Job> {
    const job = id ? await this.jobs.find(tenant, id) : undefined;
    if (!job) throw notFound(`No such fine-tuning job: ${shownAs}`, 'fine_tuning_job_id', 'job_not_found');
    return job;
  }

  list(q: JobListQuery): Promise<Job[]> {
    return this.jobs.page(q);
  }

  /** The list as ids and versions, for callers that keep answers per version (JobsRepository.pageVersions). */
  listVersions(q: JobListQuery): Promise<Array<{ id: string; version: string }>> {
    return this.jobs.pageVersions(q);
  }

  findMany(tenant: Tenant, ids: string[]): Promise<Job[]> {
    return this.jobs.findMany(tenant, ids);
  }

  async cancel(tenant: Tenant, id: string | null): Promise<Job> {
    const job = await this.get(tenant, id);
    if (job.status === 'cancelling' || job.status === 'cancelled') return job;
    if (isTerminal(job.status)) throw this.wrongState(job, 'cancelled');
    if (job.status === 'running' || job.status === 'pausing') {
      const updated = await this.moveTo(job, 'cancelling', { control: 'cancel' }, 'Cancellation requested', { from: ['running', 'pausing'] })
        .catch((err) => this.retryIfMoved(job, err, () => this.cancel(tenant, id)));
      this.signals.emit('control', job.id);
      return updated;
    }
    return this.moveTo(job, 'cancelled', { finishedAt: this.clock.nowMs(), control: null }, 'Fine-tuning job cancelled', { from: [job.status] })
      .catch((err) => this.retryIfMoved(job, err, () => this.cancel(tenant, id)));
  }

  async pause(tenant: Tenant, id: string | null): Promise<Job> {
    const job = await this.get(tenant, id);
    if (job.status === 'pausing' || job.status === 'paused') return job;
    if (job.status === 'running') {
      const updated = await this.moveTo(job, 'pausing', { control: 'pause' }, 'Pause requested; saving a checkpoint', { from: ['running'] })
        .catch((err) => this.retryIfMoved(job, err, () => this.pause(tenant, id)));
      this.signals.emit('control', job.id);
      return updated;
    }
    if (job.status === 'queued') {
      return this.moveTo(job, 'paused', {}, 'Fine-tuning job paused before it started', { from: ['queued'] })
        .catch((err) => this.retryIfMoved(job, err, () => this.pause(tenant, id)));
    }
    throw this.wrongState(job, 'paused');
  }

  async resume(tenant: Tenant, id: string | null): Promise<Job> {
    const job = await this.get(tenant, id);
    if (job.status !== 'paused') throw this.wrongState(job, 'resumed');
    // The trainer's restart says "Fine-tuning job resumed" (once per resume, whatever caused it).
    const updated = await this.moveTo(job, 'queued', { queuedAt: this.clock.nowMs(), control: null }, 'Resume requested; the job is queued', { from: ['paused'] });
    this.signals.emit('wake');
    return updated;
  }

  /** Mistral's /start: a validated job joins the queue. */
  async start(tenant: Tenant, id: string | null): Promise<Job> {
    const job = await this.get(tenant, id);
    if (job.status !== 'validated') throw this.wrongState(job, 'started');
    const updated = await this.moveTo(job, 'queued', { queuedAt: this.clock.nowMs() }, 'Fine-tuning job started by request; queued', { from: ['validated'] });
    this.signals.emit('wake');
    return updated;
  }

  /** The scheduler moved the job on between our read and our write (e.g. queued → running): ask again from its new status. */
  private async retryIfMoved(seen: Job, err: unknown, again: () => Promise<Job>): Promise<Job> {
    if ((await this.get(seen, seen.id)).status !== seen.status) return again();
    throw err;
  }

  private wrongState(job: Job, verb: string) {
    return invalidRequest(`Job ${toOpenAiId('job', job.id)} cannot be ${verb} while its status is '${job.status}'.`, null, 'invalid_job_status');
  }

  /**
   * The one way a job's status changes. The move must be in JOB_TRANSITIONS; it
   * happens only if the job is still in one of `from` (by default every status
   * the table allows before `to`), so racing writers cannot both win, and it is
   * recorded as an event.
   */
  async moveTo(job: Job, to: JobStatus, changes: Omit<JobChanges, 'status'>, message: string, opts: MoveOptions = {}): Promise<Job> {
    const from = opts.from ?? sourcesOf(to);
    const illegal = from.filter((s) => !canMove(s, to));
    if (illegal.length) throw new Error(`Illegal job status change: ${illegal.join(', ')} → ${to}`);
    const hook = isTerminal(to) ? this.terminalHook : null;
    const updated = await this.jobs.transition(job.id, from, { ...changes, status: to }, this.clock.nowMs(), hook ? (j, db) => hook.write(j, db) : undefined);
    if (!updated) return this.get(job, job.id).then((j) => (j.status === to ? j : Promise.reject(this.wrongState(j, to))));
    hook?.committed();
    await this.event({ jobId: job.id, message, status: to, level: opts.level ?? 'info', data: {} });
    return updated;
  }

  private async event(e: NewEvent) {
    await this.events.add(e, this.clock.nowMs());
    this.signals.emit('changed', e.jobId);
  }
}
