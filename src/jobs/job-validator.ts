import type { EventsRepository } from '../events/events.repository.ts';
import type { Clock } from '../ids/clock.ts';
import type { InputResolver } from './input-resolution.ts';
import type { Job } from './job.ts';
import type { JobsService } from './jobs.service.ts';

/** The `validating` phase: the job's inputs are resolved once (input-resolution.ts) before it may queue. */
export class JobValidator {
  constructor(
    private readonly service: JobsService,
    private readonly inputs: InputResolver,
    private readonly events: EventsRepository,
    private readonly clock: Clock,
  ) {}

  async validate(job: Job): Promise<Job> {
    const started = this.clock.nowMs();
    const r = await this.inputs.resolve(job, {
      estimate: job.options.estimate,
      note: (n) => this.events.add({ jobId: job.id, level: 'warn', message: n.message, data: n.data }, this.clock.nowMs()),
    });
    const timings = { ...job.stats.timings, validation_started: started, validation_finished: this.clock.nowMs() };
    const stats = { ...job.stats, n_train_examples: r.nTrain, n_valid_examples: r.nValid, filtered_files: r.filteredFiles, estimate: r.estimate, plan: r.plan, timings };
    // Written whatever the outcome: repository tokens are erased once validation is over.
    const changes = { stats, options: r.options };
    if (r.error) {
      return this.service.moveTo(job, 'failed_validation', { ...changes, error: r.error, finishedAt: this.clock.nowMs() }, r.error.message, { from: ['validating'], level: 'error' });
    }
    if (!job.autoStart) {
      return this.service.moveTo(job, 'validated', changes, 'Files validated; the job waits for a start request', { from: ['validating'] });
    }
    return this.service.moveTo(job, 'queued', { ...changes, queuedAt: this.clock.nowMs() }, 'Files validated, moving job to queued state', { from: ['validating'] });
  }
}
