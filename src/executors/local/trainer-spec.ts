import { isAbsolute, join, relative } from 'node:path';
import type { ObjectStoreLocation } from '../../blobs/blob-store.ts';
import type { FilesService } from '../../files/files.service.ts';
import type { Job } from '../../jobs/job.ts';
import { trainingInputs } from '../../jobs/input-resolution.ts';
import type { TrainableModel } from '../../models/model-catalog.ts';
import { DEFAULT_LORA } from '../../planning/job-planner.ts';
import type { TrainerSpec } from '../trainer-protocol.ts';

/** Where the trainer's paths point: the data directory, and its copy in object storage if there is one. */
export interface SpecPlace {
  dataDir: string;
  objectStore: ObjectStoreLocation | null;
}

/**
 * The spec.json a job's trainer runs from: resolved hyperparameters, file paths, task and integrations.
 * With object storage the paths are data-directory-relative (the same names in the bucket), so a trainer
 * on any machine can fetch what it lacks; otherwise they are absolute paths in this data directory.
 */
export async function trainerSpec(job: Job, model: TrainableModel, runDir: string, files: FilesService, place: SpecPlace): Promise<TrainerSpec> {
  const r = job.resolvedHyperparameters!;
  const plan = job.stats.plan; // absent on jobs validated before memory planning
  const store = place.objectStore;
  // Validation records data-directory-relative paths (older jobs absolute ones).
  const path = (p: string) => {
    const absolute = isAbsolute(p) ? p : join(place.dataDir, p);
    return store ? relative(place.dataDir, absolute) : absolute;
  };
  const filePath = async (id: string) => files.localCopy(await files.get(job, id));
  const inputs = await trainingInputs(job, job.stats.filtered_files ?? {}, filePath);
  return {
    job_id: job.id,
    base_model_path: path(model.path),
    base_model_id: job.model,
    output_dir: path(runDir),
    training_files: inputs.map((f) => ({ ...f, path: path(f.path) })),
    validation_files: await Promise.all(job.validationFiles.map(async (id) => ({ path: path(await filePath(id)) }))),
    n_epochs: r.training_steps ? null : r.n_epochs,
    training_steps: r.training_steps,
    batch_size: r.batch_size,
    batch_tokens: null,
    micro_batch_tokens: plan?.micro_batch_tokens ?? null,
    packing: true,
    gradient_checkpointing: plan?.gradient_checkpointing ?? false,
    learning_rate_multiplier: r.learning_rate_multiplier,
    learning_rate: r.learning_rate,
    warmup_fraction: r.warmup_fraction,
    lr_decay: job.options.lrSchedule,
    weight_decay: r.weight_decay,
    seed: job.seed,
    max_seq_len: r.seq_len,
    training_mode: plan?.training_mode ?? 'auto',
    lora: { ...DEFAULT_LORA },
    eval_every: 0,
    keep_checkpoints: 3,
    resume: true,
    // The trainer may have saved checkpoints past what a server that then died recorded: resuming
    // from those would leave steps without their metrics.
    resume_max_step: job.currentStep,
    task: job.jobType,
    method: job.methodType === 'dpo' ? 'dpo' : 'supervised',
    beta: r.beta ?? null,
    classifier_targets: (job.options.classifierTargets ?? []).map((t) => ({ name: t.name, labels: t.labels, weight: t.weight, loss_function: t.lossFunction })),
    object_store: store && { bucket: store.bucket, prefix: store.prefix, endpoint_url: store.endpointUrl, region: store.region, local_root: place.dataDir },
    wandb: firstWandb(job),
  };
}

/** The classifier and DPO recipes train in one process, whatever SELFTUNE_TRAIN_PROCESSES says. */
export const trainsInOneProcess = (job: Pick<Job, 'jobType' | 'methodType'>): boolean => job.jobType === 'classifier' || job.methodType === 'dpo';

/** The run the trainer logs to: the job's first W&B integration. */
function firstWandb(job: Job): TrainerSpec['wandb'] {
  const w = job.integrations[0];
  return w ? { project: w.project, name: w.name ?? w.runName, entity: w.entity, tags: w.tags } : null;
}
