import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectClassifierTargets, type DatasetReport, validateDataset } from '../datasets/index.ts';
import { readLines } from '../datasets/lines.ts';
import type { EventsRepository } from '../events/events.repository.ts';
import type { FilesService } from '../files/files.service.ts';
import type { Clock } from '../ids/clock.ts';
import type { ModelCatalog } from '../models/model-catalog.ts';
import type { Job, JobError } from './job.ts';
import type { JobEstimate, JobEstimator } from './job-estimate.ts';
import type { TrainingPlan } from '../planning/memory-plan.ts';

interface Target {
  name: string;
  labels: string[];
  weight: number;
  loss_function: 'single_class' | 'multi_class';
}

/** Training inputs as the trainer reads them: files (filtered where lines were skipped) and repository samples. */
export function trainingInputs(job: Job, filtered: Record<string, string>, blobPath: (fileId: string) => Promise<string>) {
  const repositories = (job.options.repositories as Repository[] | undefined) ?? [];
  return Promise.all([
    ...job.trainingFiles.map(async (f) => ({ path: filtered[f.file_id] ?? (await blobPath(f.file_id)), weight: f.weight })),
    ...repositories.map(async (r) => ({ path: r.samples_path, weight: r.weight })),
  ]);
}

interface Repository {
  weight: number;
  samples_path: string;
  samples: number;
}

export interface ValidationExtras {
  options?: Record<string, unknown>;
  estimate?: JobEstimate;
  error?: JobError;
}

/**
 * What validation adds for Mistral's job options: skipping a share of invalid
 * samples, repository samples, classifier targets from the data, and the
 * estimate shown as `metadata`.
 */
export class MistralValidation {
  constructor(
    private readonly files: FilesService,
    private readonly catalog: ModelCatalog,
    private readonly estimator: JobEstimator,
    private readonly events: EventsRepository,
    private readonly clock: Clock,
    private readonly runsDir: string,
  ) {}

  repositories = (job: Job): Repository[] => (job.options.repositories as Repository[] | undefined) ?? [];

  /**
   * When the file's invalid lines are within `invalid_sample_skip_percentage`,
   * writes a copy without them and returns its path (the trainer reads that instead).
   */
  async skipInvalid(job: Job, fileId: string, path: string, report: DatasetReport): Promise<string | null> {
    const share = Number(job.options.invalid_sample_skip_percentage ?? 0);
    if (report.issueCount === 0 || report.examples === 0 || report.issueCount > share * report.lines) return null;
    const all = await validateDataset(path, { expect: job.jobType === 'classifier' ? 'classifier' : 'supervised', maxIssues: report.issueCount });
    const bad = new Set(all.issues.map((i) => i.line));
    const kept: string[] = [];
    for await (const raw of readLines(path)) if (!bad.has(raw.line) && raw.text !== null) kept.push(raw.text);
    const dir = join(this.runsDir, job.id, 'inputs');
    await mkdir(dir, { recursive: true });
    const filtered = join(dir, `${fileId}.jsonl`);
    await writeFile(filtered, kept.join('\n') + '\n');
    const lines = [...bad].sort((a, b) => a - b);
    await this.events.add({
      jobId: job.id,
      level: 'warn',
      message: `Skipped ${bad.size} invalid sample(s) of ${report.lines} in file ${fileId} (lines ${lines.slice(0, 20).join(', ')}${lines.length > 20 ? ', …' : ''}), within invalid_sample_skip_percentage=${share}`,
      data: { skipped_samples: bad.size, file_id: fileId, lines, first_problems: all.issues.slice(0, 5).map((i) => `line ${i.line}: ${i.message}`) },
    }, this.clock.nowMs());
    return filtered;
  }

  inputs(job: Job, filtered: Record<string, string>) {
    return trainingInputs(job, filtered, async (id) => this.files.blobPath(await this.files.get(job.orgId, id)));
  }

  async finish(job: Job, filtered: Record<string, string>, plan: TrainingPlan | undefined): Promise<ValidationExtras> {
    const inputs = await this.inputs(job, filtered);
    const extras: ValidationExtras = {};
    if (job.jobType === 'classifier') {
      const targets = await this.classifierTargets(job, inputs.map((i) => i.path));
      if ('error' in targets) return { error: targets.error };
      extras.options = { ...job.options, classifier_targets: targets.targets };
    }
    const model = await this.catalog.trainable(job.orgId, job.model);
    if (job.createdVia === 'mistral' && model) {
      extras.estimate = await this.estimator.estimate({ model: job.model, modelPath: model.path, jobType: job.jobType, files: inputs, hyperparameters: job.hyperparameters, plan });
    }
    return extras;
  }

  /** The targets given with the job (every label in the data must be one of theirs), or those the data names. */
  private async classifierTargets(job: Job, paths: string[]): Promise<{ targets: Target[] } | { error: JobError }> {
    const found = new Map<string, { labels: Set<string>; multi: boolean }>();
    for (const path of paths) {
      for (const t of await collectClassifierTargets(path)) {
        const seen = found.get(t.name) ?? { labels: new Set<string>(), multi: false };
        t.labels.forEach((l) => seen.labels.add(l));
        seen.multi ||= t.multiLabel;
        found.set(t.name, seen);
      }
    }
    const given = job.options.classifier_targets as Target[] | undefined;
    if (!given) {
      const targets = [...found].map(([name, t]) => ({ name, labels: [...t.labels].sort(), weight: 1, loss_function: t.multi ? 'multi_class' as const : 'single_class' as const }));
      return { targets };
    }
    for (const [name, t] of found) {
      const target = given.find((g) => g.name === name);
      const unknown = target ? [...t.labels].filter((l) => !target.labels.includes(l)) : [];
      const message = !target
        ? `The training data uses target '${name}', which is not among classifier_targets (${given.map((g) => g.name).join(', ')}).`
        : unknown.length ? `The training data uses label(s) ${unknown.map((l) => `'${l}'`).join(', ')} of target '${name}', which classifier_targets does not list.` : null;
      if (message) return { error: { code: 'invalid_classifier_targets', message, param: 'classifier_targets' } };
    }
    return { targets: given };
  }
}
