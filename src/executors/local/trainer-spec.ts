import type { FilesService } from '../../files/files.service.ts';
import type { Job } from '../../jobs/job.ts';
import { trainingInputs } from '../../jobs/mistral-validation.ts';
import type { TrainableModel } from '../../models/model-catalog.ts';
import type { TrainerSpec } from '../trainer-protocol.ts';

/** The spec.json a job's trainer runs from: resolved hyperparameters, file paths, task and integrations. */
export async function trainerSpec(job: Job, model: TrainableModel, runDir: string, files: FilesService): Promise<TrainerSpec> {
  const r = job.resolvedHyperparameters!;
  const filePath = async (id: string) => files.blobPath(await files.get(job.orgId, id));
  return {
    job_id: job.id,
    base_model_path: model.path,
    output_dir: runDir,
    training_files: await trainingInputs(job, job.stats.filtered_files ?? {}, filePath),
    validation_files: await Promise.all(job.validationFiles.map(async (id) => ({ path: await filePath(id) }))),
    n_epochs: r.training_steps ? null : r.n_epochs,
    training_steps: r.training_steps,
    batch_size: r.batch_size,
    learning_rate_multiplier: r.learning_rate_multiplier,
    learning_rate: r.learning_rate,
    warmup_fraction: r.warmup_fraction,
    lr_decay: job.createdVia === 'mistral' ? 'cosine' : 'linear',
    weight_decay: r.weight_decay,
    seed: job.seed,
    max_seq_len: r.seq_len,
    training_mode: 'auto',
    lora: { r: 8, alpha: 16, dropout: 0.05, target_modules: 'all-linear' },
    eval_every: 0,
    keep_checkpoints: 3,
    resume: true,
    task: job.jobType,
    classifier_targets: (job.options.classifier_targets as TrainerSpec['classifier_targets'] | undefined) ?? [],
    wandb: wandbSpec(job.integrations),
  };
}

/** The first W&B integration, from either dialect's stored shape (OpenAI nests it under `wandb`). */
function wandbSpec(integrations: unknown[]): TrainerSpec['wandb'] {
  for (const raw of integrations) {
    const i = raw as { type?: string; wandb?: Record<string, unknown> } & Record<string, unknown>;
    if (i.type !== 'wandb') continue;
    const w = i.wandb ?? i;
    return {
      project: String(w.project),
      name: (w.name as string | null | undefined) ?? (i.run_name as string | null | undefined) ?? null,
      entity: (w.entity as string | null | undefined) ?? null,
      tags: (w.tags as string[] | null | undefined) ?? [],
    };
  }
  return null;
}
