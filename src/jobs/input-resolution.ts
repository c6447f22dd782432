import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { DataMirror } from '../blobs/blob-store.ts';
import { type DatasetExpectation, datasetError, validateDataset } from '../datasets/index.ts';
import { AppError } from '../errors/app-error.ts';
import type { FilesService } from '../files/files.service.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import type { JobPlanner } from '../planning/job-planner.ts';
import type { TrainingPlan } from '../planning/memory-plan.ts';
import type { RepositoryImporter } from '../repositories/git-import.ts';
import { resolveClassifierTargets } from './classifier-targets.ts';
import { type InputNote, skipInvalidSamples } from './invalid-samples.ts';
import type { Job, JobError, JobOptions } from './job.ts';
import type { JobEstimate, JobEstimator } from './job-estimate.ts';

/** What resolution reads of a job; a dry run passes a job that was never stored. */
export type JobInputs = Pick<Job, 'id' | 'orgId' | 'projectId' | 'model' | 'jobType' | 'methodType' | 'trainingFiles' | 'validationFiles' | 'hyperparameters' | 'options'>;

/** A job's inputs made concrete: what the trainer will read, how much of it, and what it will cost. */
export interface ResolvedInputs {
  /** The first reason the job cannot train; everything after it was not worked out. */
  error: JobError | null;
  nTrain: number;
  nValid: number;
  /** Training files with invalid lines skipped: file id → filtered copy (data-directory-relative once validated). */
  filteredFiles: Record<string, string>;
  /** The job's options with repositories cloned (tokens erased) and classifier targets known. */
  options: JobOptions;
  plan: TrainingPlan | undefined;
  estimate: JobEstimate | undefined;
}

export interface ResolutionLimits {
  minTrainingExamples: number;
  /** How many bad lines an error names before "and N more". */
  shownIssues: number;
}

/** Training inputs as the trainer reads them: files (filtered where lines were skipped) and repository samples. */
export function trainingInputs(job: Pick<Job, 'trainingFiles' | 'options'>, filtered: Record<string, string>, blobPath: (fileId: string) => Promise<string>) {
  return Promise.all([
    ...job.trainingFiles.map(async (f) => ({ path: filtered[f.file_id] ?? (await blobPath(f.file_id)), weight: f.weight })),
    ...job.options.repositories.flatMap((r) => (r.samples ? [{ path: r.samples.path, weight: r.weight }] : [])),
  ]);
}

/**
 * The one stage that turns a job's request into what it trains on, used by
 * validation and by a dry run alike: repositories cloned into samples, every
 * file read line by line (invalid samples skipped within the job's share),
 * classifier targets found, the memory plan, and tokens counted for the
 * estimate. Files it writes go in `runs/<job id>/inputs` of the data directory; validation pushes them
 * to object storage and records their paths relative to the data directory, so that whichever
 * server or node trains the job finds them.
 */
export class InputResolver {
  constructor(
    private readonly files: FilesService,
    private readonly catalog: ModelCatalog,
    private readonly planner: JobPlanner,
    private readonly estimator: JobEstimator,
    private readonly importer: Pick<RepositoryImporter, 'import'>,
    private readonly mirror: DataMirror,
    private readonly dataDir: string,
    private readonly limits: ResolutionLimits,
  ) {}

  /** Validation: `note` hears of samples skipped; `estimate` asks for cost and duration (the data is tokenized for it). */
  async resolve(job: JobInputs, how: { estimate: boolean; note?: (n: InputNote) => Promise<void> }): Promise<ResolvedInputs> {
    const out = await this.work(job, how);
    const inputs = `runs/${job.id}/inputs`;
    if (!out.error && (await readdir(join(this.dataDir, inputs))).length) await this.mirror.push(inputs);
    const rel = (path: string) => relative(this.dataDir, path);
    return {
      ...out,
      filteredFiles: Object.fromEntries(Object.entries(out.filteredFiles).map(([id, path]) => [id, rel(path)])),
      options: { ...out.options, repositories: out.options.repositories.map((r) => (r.samples ? { ...r, samples: { ...r.samples, path: rel(r.samples.path) } } : r)) },
    };
  }

  /** Resolution for a job that is not created: what it would get, leaving nothing behind. */
  async dryRun(job: JobInputs): Promise<ResolvedInputs> {
    try {
      return await this.work(job, { estimate: true });
    } finally {
      await rm(join(this.dataDir, 'runs', job.id), { recursive: true, force: true });
    }
  }

  private async work(job: JobInputs, how: { estimate: boolean; note?: (n: InputNote) => Promise<void> }): Promise<ResolvedInputs> {
    if (how.estimate) this.estimator.warm();
    const dir = join(this.dataDir, 'runs', job.id, 'inputs');
    await mkdir(dir, { recursive: true });
    const out: ResolvedInputs = { error: null, nTrain: 0, nValid: 0, filteredFiles: {}, options: job.options, plan: undefined, estimate: undefined };
    const fail = (error: JobError) => ({ ...out, error, options: { ...out.options, repositories: out.options.repositories.map((r) => ({ ...r, token: null })) } });

    const model = await this.catalog.trainable(job, job.model);
    if (!model) return fail({ code: 'model_not_available', message: `Model ${job.model} is not available for fine-tuning or does not exist.`, param: 'model' });
    const repositories = [];
    for (const [i, repo] of job.options.repositories.entries()) {
      try {
        repositories.push(await this.importer.import(repo, `repositories[${i}]`, join(dir, `repository-${i}.jsonl`)));
      } catch (err) {
        if (err instanceof AppError) return fail({ code: err.code ?? 'repository_unavailable', message: err.message, param: err.param });
        throw err;
      }
    }
    out.options = { ...job.options, repositories };
    out.nTrain = repositories.reduce((n, r) => n + (r.samples?.count ?? 0), 0);

    // A DPO job's files are preference pairs; a supervised job's are examples (and each refuses the other's).
    const expect: DatasetExpectation = job.jobType === 'classifier' ? 'classifier' : job.methodType === 'dpo' ? 'preference' : 'supervised';
    for (const ref of job.trainingFiles) {
      const checked = await this.check(job, ref.file_id, 'training_file', expect, dir);
      if ('error' in checked) return fail(checked.error);
      out.nTrain += checked.examples;
      if (checked.filtered) {
        out.filteredFiles[ref.file_id] = checked.filtered.path;
        await how.note?.(checked.filtered.note);
      }
    }
    if (out.nTrain < this.limits.minTrainingExamples) {
      return fail({ code: 'invalid_n_examples', message: `Training file has ${out.nTrain} example(s), but must have at least ${this.limits.minTrainingExamples} examples`, param: 'training_file' });
    }
    for (const id of job.validationFiles) {
      const checked = await this.check(job, id, 'validation_file', expect, dir);
      if ('error' in checked) return fail(checked.error);
      out.nValid += checked.examples;
    }

    const planned = await this.planner.plan({ modelPath: model.path, task: job.jobType, hyperparameters: job.hyperparameters, nExamples: out.nTrain })
      .catch(() => null); // a model folder or device the planner cannot read: the trainer chooses as it did before plans
    if (planned && 'error' in planned) return fail(planned.error);
    out.plan = planned?.plan;

    const inputs = await trainingInputs({ trainingFiles: job.trainingFiles, options: out.options }, out.filteredFiles, (id) => this.blobPath(job, id));
    if (job.jobType === 'classifier') {
      const targets = await resolveClassifierTargets(job.options.classifierTargets, inputs.map((i) => i.path));
      if ('error' in targets) return fail(targets.error);
      out.options = { ...out.options, classifierTargets: targets.targets };
    }
    if (how.estimate) {
      out.estimate = await this.estimator.estimate({ model: job.model, modelPath: model.path, jobType: job.jobType, files: inputs, hyperparameters: job.hyperparameters, plan: out.plan });
    }
    return out;
  }

  private blobPath = async (job: JobInputs, fileId: string) => this.files.localCopy(await this.files.get(job, fileId));

  private async check(
    job: JobInputs, fileId: string, param: 'training_file' | 'validation_file', expect: DatasetExpectation, dir: string,
  ): Promise<{ error: JobError } | { examples: number; filtered: { path: string; note: InputNote } | null }> {
    let path: string;
    try {
      path = await this.blobPath(job, fileId);
    } catch {
      return { error: { code: 'file_not_found', message: `The ${param.replace('_', ' ')} ${fileId} was deleted before the job could use it.`, param } };
    }
    const report = await validateDataset(path, { expect, minExamples: 1, fileRole: param });
    const share = param === 'training_file' ? job.options.invalidSampleSkipPercentage : 0;
    const filtered = await skipInvalidSamples({ id: fileId, path, report }, share, expect, dir);
    const error = filtered ? null : datasetError(report, { fileId, param, minExamples: 1, shownIssues: this.limits.shownIssues });
    return error ? { error } : { examples: report.examples, filtered };
  }
}
