import { api, withQuery } from './api.ts';
import type { Progress } from './components/progress-bar.tsx';
import type { JobEvent, List, StepMetrics } from './types.ts';
import { isTerminal } from './types.ts';

// Step/total is not a field of OpenAI's job object: it is the newest metrics
// event, read with the events list's `type=metrics` extension (one row).

export async function latestMetrics(jobId: string, signal?: AbortSignal): Promise<StepMetrics | null> {
  const page = await api<List<JobEvent>>(withQuery(`/v1/fine_tuning/jobs/${jobId}/events`, { type: 'metrics', limit: 1 }), { signal });
  return (page.data[0]?.data as StepMetrics | undefined) ?? null;
}

/** Remembers the progress of finished jobs, which can no longer change, so a list refresh only asks for live ones. */
export class ProgressCache {
  private readonly settled = new Map<string, Progress | null>();

  async forJobs(jobs: { id: string; status: string }[], signal?: AbortSignal): Promise<Map<string, Progress | null>> {
    const out = new Map<string, Progress | null>();
    await Promise.all(
      jobs.map(async (job) => {
        if (job.status === 'validating_files' || job.status === 'queued') return out.set(job.id, null);
        if (this.settled.has(job.id)) return out.set(job.id, this.settled.get(job.id)!);
        const m = await latestMetrics(job.id, signal);
        const progress = m ? { step: m.step, total: m.total_steps } : null;
        if (isTerminal(job.status)) this.settled.set(job.id, progress);
        return out.set(job.id, progress);
      }),
    );
    return out;
  }
}
