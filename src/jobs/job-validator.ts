import { datasetError, validateDataset } from '../datasets/index.ts';
import type { FilesService } from '../files/files.service.ts';
import type { Clock } from '../ids/clock.ts';
import type { Job, JobError } from './job.ts';
import type { JobsService } from './jobs.service.ts';
import type { MistralValidation } from './mistral-validation.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import type { JobPlanner } from '../planning/job-planner.ts';
import type { TrainingPlan } from '../planning/memory-plan.ts';

export interface ValidatorOptions {
  minTrainingExamples: number;
  /** How many bad lines a job error names before "and N more". */
  shownIssues: number;
}

/** The `validating` phase: every file of a job is read once, line by line, before it may queue. */
export class JobValidator {
  constructor(
    private readonly service: JobsService,
    private readonly files: FilesService,
    private readonly clock: Clock,
    private readonly opts: ValidatorOptions,
    private readonly planning: { planner: JobPlanner; catalog: ModelCatalog },
    private readonly mistral?: MistralValidation,
  ) {}

  async validate(job: Job): Promise<Job> {
    const started = this.clock.nowMs();
    let nTrain = 0;
    let nValid = 0;
    let error: JobError | null = null;
    const expect = job.jobType === 'classifier' ? 'classifier' : 'supervised';
    const filtered: Record<string, string> = {};
    for (const ref of job.trainingFiles) {
      const checked = await this.check(job, ref.file_id, 'training_file', expect, 1);
      nTrain += checked.examples;
      error ??= checked.error;
      if (checked.filtered) filtered[ref.file_id] = checked.filtered;
    }
    nTrain += this.mistral?.repositories(job).reduce((n, r) => n + r.samples, 0) ?? 0;
    if (!error && nTrain < this.opts.minTrainingExamples) {
      error = {
        code: 'invalid_n_examples',
        message: `Training file has ${nTrain} example(s), but must have at least ${this.opts.minTrainingExamples} examples`,
        param: 'training_file',
      };
    }
    for (const id of job.validationFiles) {
      if (error) break;
      const checked = await this.check(job, id, 'validation_file', expect, 1);
      nValid += checked.examples;
      error = checked.error;
    }
    const planned = error ? null : await this.plan(job, nTrain);
    if (planned && 'error' in planned) error = planned.error;
    const plan = planned && 'plan' in planned ? planned.plan : undefined;
    const extras = !error && this.mistral ? await this.mistral.finish(job, filtered, plan) : {};
    error ??= extras.error ?? null;
    const timings = { ...job.stats.timings, validation_started: started, validation_finished: this.clock.nowMs() };
    const stats = { ...job.stats, n_train_examples: nTrain, n_valid_examples: nValid, filtered_files: filtered, estimate: extras.estimate, plan, timings };
    const options = extras.options ? { options: extras.options } : {};
    if (error) {
      return this.service.moveTo(job, 'failed_validation', { error, stats, finishedAt: this.clock.nowMs() }, error.message, { from: ['validating'], level: 'error' });
    }
    if (!job.autoStart) {
      return this.service.moveTo(job, 'validated', { stats, ...options }, 'Files validated; the job waits for a start request', { from: ['validating'] });
    }
    return this.service.moveTo(job, 'queued', { stats, ...options, queuedAt: this.clock.nowMs() }, 'Files validated, moving job to queued state', { from: ['validating'] });
  }

  /** The memory plan: how the job trains to fit the device, or why it cannot. */
  private async plan(job: Job, nExamples: number): Promise<{ plan: TrainingPlan } | { error: JobError } | null> {
    const model = await this.planning.catalog.trainable(job.orgId, job.model);
    if (!model) return null; // the executor reports a model that went missing
    try {
      return await this.planning.planner.plan({ modelPath: model.path, task: job.jobType, hyperparameters: job.hyperparameters, nExamples });
    } catch {
      return null; // a model folder or device the planner cannot read: the trainer chooses as it did before plans
    }
  }

  private async check(job: Job, fileId: string, param: 'training_file' | 'validation_file', expect: 'supervised' | 'classifier', minExamples: number) {
    let path: string;
    try {
      path = this.files.blobPath(await this.files.get(job.orgId, fileId));
    } catch {
      return { examples: 0, error: { code: 'file_not_found', message: `The ${param.replace('_', ' ')} ${fileId} was deleted before the job could use it.`, param }, filtered: null };
    }
    const report = await validateDataset(path, { expect, minExamples, fileRole: param });
    const filtered = param === 'training_file' ? await this.mistral?.skipInvalid(job, fileId, path, report) : null;
    if (filtered) return { examples: report.examples, error: null, filtered };
    const error = datasetError(report, { fileId, param, minExamples, shownIssues: this.opts.shownIssues });
    return { examples: report.examples, error, filtered: null };
  }
}
