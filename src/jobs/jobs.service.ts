import type { JobUpdate } from '../db/schema.ts';
import type { EventsRepository, NewEvent } from '../events/events.repository.ts';
import { invalidRequest, notFound } from '../errors/app-error.ts';
import type { FilesRepository } from '../files/files.repository.ts';
import type { Clock } from '../ids/clock.ts';
import { newUuid, toOpenAiId } from '../ids/ids.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import type { Job, RequestedHyperparameters, TrainingFileRef } from './job.ts';
import type { JobSignals } from './job-signals.ts';
import { isTerminal, type JobStatus } from './job-status.ts';
import type { JobListQuery, JobsRepository } from './jobs.repository.ts';

/** A create request, whichever dialect it came through. */
export interface CreateJobCommand {
  orgId: string;
  createdVia: Job['createdVia'];
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
  integrations: unknown[];
  autoStart: boolean;
  options: Record<string, unknown>;
}

const MAX_SEED = 2147483647;

export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly events: EventsRepository,
    private readonly files: FilesRepository,
    private readonly catalog: ModelCatalog,
    private readonly signals: JobSignals,
    private readonly clock: Clock,
  ) {}

  async create(cmd: CreateJobCommand): Promise<Job> {
    if (cmd.methodType !== 'supervised') {
      throw invalidRequest(
        `Fine-tuning method '${cmd.methodType}' is not supported yet; use 'supervised'.`,
        'method.type',
        'unsupported_method',
      );
    }
    if (!(await this.catalog.trainable(cmd.orgId, cmd.model))) {
      throw invalidRequest(`Model ${cmd.model} is not available for fine-tuning or does not exist.`, 'model', 'model_not_available');
    }
    await this.checkFiles(cmd.orgId, cmd.trainingFiles.map((f) => f.file_id), 'training_file');
    await this.checkFiles(cmd.orgId, cmd.validationFiles, 'validation_file');
    const now = this.clock.nowMs();
    const id = newUuid();
    await this.jobs.insert({
      id,
      org_id: cmd.orgId,
      created_via: cmd.createdVia,
      created_by: cmd.createdBy,
      job_type: cmd.jobType,
      status: 'validating',
      model: cmd.model,
      training_files: JSON.stringify(cmd.trainingFiles),
      validation_files: JSON.stringify(cmd.validationFiles),
      method_type: cmd.methodType,
      hyperparameters: JSON.stringify(cmd.hyperparameters),
      resolved_hyperparameters: null,
      suffix: cmd.suffix,
      seed: cmd.seed ?? Math.floor(Math.random() * MAX_SEED),
      metadata: cmd.metadata ? JSON.stringify(cmd.metadata) : null,
      integrations: JSON.stringify(cmd.integrations),
      auto_start: cmd.autoStart ? 1 : 0,
      options: JSON.stringify(cmd.options),
      fine_tuned_model: null,
      result_files: '[]',
      trained_tokens: null,
      error: null,
      stats: JSON.stringify({ timings: { created: now } }),
      total_steps: null,
      current_step: 0,
      estimated_finish: null,
      control: null,
      locked_by: null,
      lease_expires_at: null,
      recoveries: 0,
      created_at: now,
      modified_at: now,
      queued_at: null,
      started_at: null,
      finished_at: null,
    });
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
    return this.get(cmd.orgId, id);
  }

  private async checkFiles(orgId: string, ids: string[], param: 'training_file' | 'validation_file') {
    for (const id of ids) {
      const file = await this.files.find(orgId, id);
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
  async get(orgId: string, id: string | null, shownAs: string | null = id): Promise<Job> {
    const job = id ? await this.jobs.find(orgId, id) : undefined;
    if (!job) throw notFound(`No such fine-tuning job: ${shownAs}`, 'fine_tuning_job_id', 'job_not_found');
    return job;
  }

  list(q: JobListQuery): Promise<Job[]> {
    return this.jobs.page(q);
  }

  async cancel(orgId: string, id: string | null): Promise<Job> {
    const job = await this.get(orgId, id);
    if (job.status === 'cancelling' || job.status === 'cancelled') return job;
    if (isTerminal(job.status)) throw this.wrongState(job, 'cancelled');
    if (job.status === 'running' || job.status === 'pausing') {
      const updated = await this.moveTo(job, ['running', 'pausing'], 'cancelling', { control: 'cancel' }, 'Cancellation requested')
        .catch((err) => this.retryIfMoved(job, err, () => this.cancel(orgId, id)));
      this.signals.emit('control', job.id);
      return updated;
    }
    return this.moveTo(job, [job.status], 'cancelled', { finished_at: this.clock.nowMs(), control: null }, 'Fine-tuning job cancelled')
      .catch((err) => this.retryIfMoved(job, err, () => this.cancel(orgId, id)));
  }

  async pause(orgId: string, id: string | null): Promise<Job> {
    const job = await this.get(orgId, id);
    if (job.status === 'pausing' || job.status === 'paused') return job;
    if (job.status === 'running') {
      const updated = await this.moveTo(job, ['running'], 'pausing', { control: 'pause' }, 'Pause requested; saving a checkpoint')
        .catch((err) => this.retryIfMoved(job, err, () => this.pause(orgId, id)));
      this.signals.emit('control', job.id);
      return updated;
    }
    if (job.status === 'queued') {
      return this.moveTo(job, ['queued'], 'paused', {}, 'Fine-tuning job paused before it started')
        .catch((err) => this.retryIfMoved(job, err, () => this.pause(orgId, id)));
    }
    throw this.wrongState(job, 'paused');
  }

  async resume(orgId: string, id: string | null): Promise<Job> {
    const job = await this.get(orgId, id);
    if (job.status !== 'paused') throw this.wrongState(job, 'resumed');
    const updated = await this.moveTo(job, ['paused'], 'queued', { queued_at: this.clock.nowMs(), control: null }, 'Fine-tuning job resumed');
    this.signals.emit('wake');
    return updated;
  }

  /** Mistral's /start: a validated job joins the queue. */
  async start(orgId: string, id: string | null): Promise<Job> {
    const job = await this.get(orgId, id);
    if (job.status !== 'validated') throw this.wrongState(job, 'started');
    const updated = await this.moveTo(job, ['validated'], 'queued', { queued_at: this.clock.nowMs() }, 'Fine-tuning job started by request; queued');
    this.signals.emit('wake');
    return updated;
  }

  /** The scheduler moved the job on between our read and our write (e.g. queued → running): ask again from its new status. */
  private async retryIfMoved(seen: Job, err: unknown, again: () => Promise<Job>): Promise<Job> {
    if ((await this.get(seen.orgId, seen.id)).status !== seen.status) return again();
    throw err;
  }

  private wrongState(job: Job, verb: string) {
    return invalidRequest(`Job ${toOpenAiId('job', job.id)} cannot be ${verb} while its status is '${job.status}'.`, null, 'invalid_job_status');
  }

  /** Changes status (only from `from`, so racing requests cannot both win) and records the change. */
  async moveTo(job: Job, from: readonly JobStatus[], to: JobStatus, changes: JobUpdate, message: string, level: NewEvent['level'] = 'info'): Promise<Job> {
    const updated = await this.jobs.transition(job.id, from, { ...changes, status: to }, this.clock.nowMs());
    if (!updated) return this.get(job.orgId, job.id).then((j) => (j.status === to ? j : Promise.reject(this.wrongState(j, to))));
    await this.event({ jobId: job.id, message, status: to, level, data: {} });
    return updated;
  }

  private async event(e: NewEvent) {
    await this.events.add(e, this.clock.nowMs());
    this.signals.emit('changed', e.jobId);
  }
}
