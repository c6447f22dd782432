import type { FilesService } from '../../files/files.service.ts';
import type { Job } from '../../jobs/job.ts';
import { trainingInputs } from '../../jobs/input-resolution.ts';
import type { TrainableModel } from '../../models/model-catalog.ts';
import { DEFAULT_LORA } from '../../planning/job-planner.ts';
import type { TrainerSpec } from '../trainer-protocol.ts';

/** The spec.json a job's trainer runs from: resolved hyperparameters, file paths, task and integrations. */
export async function trainerSpec(job: Job, model: TrainableModel, runDir: string, files: FilesService): Promise<TrainerSpec> {
  const r = job.resolvedHyperparameters!;
  const plan = job.stats.plan; // absent on jobs validated before memory planning
  const filePath = async (id: string) => files.localCopy(await files.get(job.orgId, id));
  return {
    job_id: job.id,
    base_model_path: model.path,
    base_model_id: job.model,
    output_dir: runDir,
    training_files: await trainingInputs(job, job.stats.filtered_files ?? {}, filePath),
    validation_files: await Promise.all(job.validationFiles.map(async (id) => ({ path: await filePath(id) }))),
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
    classifier_targets: (job.options.classifierTargets ?? []).map((t) => ({ name: t.name, labels: t.labels, weight: t.weight, loss_function: t.lossFunction })),
    object_store: null,
    wandb: firstWandb(job),
  };
}

/** The run the trainer logs to: the job's first W&B integration. */
function firstWandb(job: Job): TrainerSpec['wandb'] {
  const w = job.integrations[0];
  return w ? { project: w.project, name: w.name ?? w.runName, entity: w.entity, tags: w.tags } : null;
}
