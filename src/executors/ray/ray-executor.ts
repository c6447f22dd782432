import { relative } from 'node:path';
import type { DataMirror } from '../../blobs/blob-store.ts';
import type { EventsRepository } from '../../events/events.repository.ts';
import type { Clock } from '../../ids/clock.ts';
import type { Job } from '../../jobs/job.ts';
import type { Logger } from '../../logging/logger.ts';
import type { TrainableModel } from '../../models/model-catalog.ts';
import { RemoteRun, type RemoteRuns } from '../../runner/remote-runs.ts';
import type { RunnerTokens } from '../../runner/runner-tokens.ts';
import type { Executor, RunExit, RunHandle } from '../executor.ts';
import type { TrainerEvent, TrainerSpec } from '../trainer-protocol.ts';
import type { RayDriver, RayNode, SubmitRequest } from './ray-driver.ts';

export interface RayExecutorDeps {
  driver: RayDriver;
  tokens: RunnerTokens;
  runs: RemoteRuns;
  mirror: DataMirror;
  events: EventsRepository;
  clock: Clock;
  log: Logger;
  /** The job's spec with `object_store` set and data-directory-relative paths. */
  specOf(job: Job, model: TrainableModel): Promise<TrainerSpec>;
  /** Where runners reach this server (SELFTUNE_RUNNER_URL, else this server's address once it listens). */
  runnerUrl(): Promise<string>;
  /** The job's secrets (its W&B key) for the remote trainer's environment. */
  secretsEnv(job: Job): Record<string, string>;
  /** The kind of device jobs are planned for: a CUDA plan asks Ray for a GPU. */
  deviceKind(): Promise<'cpu' | 'cuda'>;
}

export interface RayExecutorOptions {
  dataDir: string;
  /** The scheduler's lease owner: a runner token is valid only while the job's lease is this owner's. */
  leaseOwner: string;
}

/**
 * Runs each job as a task on a Ray cluster (via the server's driver process,
 * executors/ray/ray-driver.ts); the task's remote runner reaches this server
 * over the runner protocol (runner/), and object storage carries the inputs,
 * checkpoints and weights. A task that ends without its runner's exit report
 * (its node died) exits like a trainer killed by SIGKILL, so the job is
 * requeued and resumes from its last checkpoint in the bucket on another node.
 */
export class RayExecutor implements Executor {
  private readonly pushedModels = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: RayExecutorDeps,
    private readonly opts: RayExecutorOptions,
  ) {}

  prewarm(): void {} // nothing is kept warm on the cluster: each job's task imports what it needs

  close(): Promise<void> {
    return this.deps.driver.close();
  }

  problem(): string | null {
    return this.deps.driver.problem();
  }

  canStart(): boolean {
    return this.deps.driver.canStart();
  }

  async start(job: Job, model: TrainableModel, onEvent: (e: TrainerEvent) => Promise<void>): Promise<RunHandle> {
    const { driver, tokens, runs } = this.deps;
    await this.ensureModelInStore(model);
    const [spec, runnerUrl, resources] = await Promise.all([this.deps.specOf(job, model), this.deps.runnerUrl(), this.resourcesOf(job)]);
    const token = await tokens.issue(job.id, this.opts.leaseOwner);
    const run = new RemoteRun(job.id, token, spec, this.opts.dataDir, onEvent);
    runs.add(run);
    const exited = this.settleWith(run);
    let node: RayNode | null = null;
    const request: SubmitRequest = { job_id: job.id, runner_url: runnerUrl, token, resources, env: this.deps.secretsEnv(job) };
    await driver.submit(request, {
      placed: (where) => {
        node = where;
        void this.recordPlacement(job.id, where);
      },
      finished: (outcome) => {
        if (run.over) return;
        const why = outcome.node_died
          ? `the Ray node ${node ? `${node.node_id} (${node.node_ip})` : 'chosen for it'} died or lost the task (${firstSentence(outcome.error ?? 'no reason given')})`
          : `the Ray task ended without the runner's exit report${outcome.error ? `: ${outcome.error}` : ''}`;
        void run.lost(why, outcome.out_of_memory ? 'out_of_memory' : 'node');
      },
    }).catch(async (err) => {
      await this.release(run);
      throw err;
    });
    return {
      pause: () => void (run.control ??= 'pause'),
      cancel: () => void (run.control = 'cancel'),
      kill: async () => {
        driver.cancel(job.id);
        await exited.catch(() => {});
      },
      exited,
    };
  }

  /** Resolves (or rejects) as the run does, once its token and registration are gone. */
  private settleWith(run: RemoteRun): Promise<RunExit> {
    return run.exited.then(
      async (exit) => {
        await this.release(run);
        return exit;
      },
      async (err: unknown) => {
        this.deps.driver.cancel(run.jobId); // its events can no longer be recorded: stop the task
        await this.release(run);
        throw err;
      },
    );
  }

  private async release(run: RemoteRun) {
    this.deps.runs.remove(run);
    await this.deps.tokens.revoke(run.token).catch((err) => this.deps.log.warn({ jobId: run.jobId, err }, `job ${run.jobId}: deleting its runner token failed; it stops working with the run anyway`));
  }

  private async recordPlacement(jobId: string, node: RayNode) {
    const message = `Training runs on Ray node ${node.node_id} (${node.node_ip})`;
    await this.deps.events.add({ jobId, message, data: { ray_node_id: node.node_id, ray_node_ip: node.node_ip } }, this.deps.clock.nowMs())
      .catch((err) => this.deps.log.warn({ jobId, err }, `job ${jobId}: recording its Ray node failed`));
  }

  /** Base models live in the server's models folder: a node finds them in the bucket (`models/<id>`), uploaded when not there whole. */
  private ensureModelInStore(model: TrainableModel): Promise<void> {
    const rel = relative(this.opts.dataDir, model.path);
    if (!rel.startsWith('models/')) return Promise.resolve(); // a fine-tuned base's weights were uploaded by the job that made them
    let pushed = this.pushedModels.get(rel);
    if (!pushed) {
      // Another replica (or an earlier start) may have uploaded it already: only a missing or partial copy goes up.
      const { mirror } = this.deps;
      pushed = mirror.has(rel).then((whole) => (whole ? undefined : mirror.push(rel)));
      this.pushedModels.set(rel, pushed);
      pushed.catch(() => this.pushedModels.delete(rel)); // the next job tries again
    }
    return pushed;
  }

  /** What the job asks of a node: one CPU, a GPU for a CUDA plan, and the planned memory. */
  private async resourcesOf(job: Job): Promise<SubmitRequest['resources']> {
    const cuda = (await this.deps.deviceKind()) === 'cuda';
    const estimate = job.stats.plan?.estimate;
    // Ray's `memory` is host memory: on CPU the training peak, on a GPU what loading the weights takes.
    const memory = estimate ? Math.ceil(cuda ? estimate.loading : Math.max(estimate.peak, estimate.loading)) : null;
    return { num_cpus: 1, num_gpus: cuda ? 1 : 0, memory };
  }
}

/** Ray's errors run to a paragraph of advice: the first sentence says what happened. */
const firstSentence = (text: string) => text.split(/\.\s/)[0]!.replace(/\.$/, '');
