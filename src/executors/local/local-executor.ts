import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStoreLocation } from '../../blobs/blob-store.ts';
import type { FilesService } from '../../files/files.service.ts';
import type { Job } from '../../jobs/job.ts';
import type { TrainableModel } from '../../models/model-catalog.ts';
import type { Executor, RunHandle } from '../executor.ts';
import type { TrainerEvent } from '../trainer-protocol.ts';
import { TrainerLauncher } from './trainer-launcher.ts';
import { trainProcesses } from './train-processes.ts';
import { trainerSpec, trainsInOneProcess } from './trainer-spec.ts';
import type { SecretBox } from '../../secrets/secret-box.ts';
import { trainerSecretsEnv } from '../../secrets/trainer-secrets.ts';

export interface LocalExecutorOptions {
  python: string;
  trainerDir: string;
  /** Keep one trainer process with its imports done, ready for the next job. */
  trainerStandby: boolean;
  /** Processes per training job (torchrun); 0 = one per visible CUDA GPU, 1 without one. */
  trainProcesses: number;
  runsDir: string;
  dataDir: string;
  /** Where the data directory is mirrored (the trainer uploads its restart points there), or null. */
  objectStore: ObjectStoreLocation | null;
  /** Added to the trainer's environment: the AWS settings for the object store. */
  trainerEnv: Record<string, string>;
  /** Opens the job's secrets (its W&B key) for its trainer's environment. */
  secrets: SecretBox;
}

/** Runs jobs as trainer subprocesses on this machine, each in its run directory `<runs>/<job id>/`. */
export class LocalExecutor implements Executor {
  private readonly launcher: TrainerLauncher;
  private readonly processes: Promise<number>;
  private processCount = 1; // once `processes` has resolved

  constructor(
    private readonly files: FilesService,
    private readonly opts: LocalExecutorOptions,
  ) {
    this.launcher = new TrainerLauncher(opts.python, opts.trainerDir, opts.trainerStandby, opts.trainerEnv);
    this.processes = trainProcesses(opts.trainProcesses).then((n) => (this.processCount = n));
  }

  /** Work is on its way: have a trainer process ready for it (a multi-process job starts its own). */
  prewarm(): void {
    if (this.processCount === 1) this.launcher.prewarm();
  }

  close(): Promise<void> {
    return this.launcher.close();
  }

  async start(job: Job, model: TrainableModel, onEvent: (e: TrainerEvent) => Promise<void>): Promise<RunHandle> {
    const runDir = join(this.opts.runsDir, job.id);
    await mkdir(runDir, { recursive: true });
    const specPath = join(runDir, 'spec.json');
    await writeFile(specPath, JSON.stringify(await trainerSpec(job, model, runDir, this.files, { dataDir: this.opts.dataDir, objectStore: this.opts.objectStore }), null, 2));
    const processes = trainsInOneProcess(job) ? 1 : await this.processes;
    const trainer = this.launcher.launch(specPath, onEvent, processes, trainerSecretsEnv(job, this.opts.secrets));
    return {
      pause: () => trainer.send({ command: 'pause' }),
      cancel: () => trainer.send({ command: 'cancel' }),
      kill: (graceMs) => trainer.kill(graceMs),
      exited: trainer.exited,
    };
  }
}
