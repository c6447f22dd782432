import type { Progress } from './components/progress-bar.tsx';
import type { Job } from './types.ts';

// Step/total is not a field of OpenAI's job object: selftune adds it to every
// job as `selftune_progress`, so the job list shows progress from the list
// itself, one request per poll however many jobs are running.

export function progressOf(job: Job): Progress | null {
  if (job.status === 'validating_files' || job.status === 'queued' || !job.selftune_progress) return null;
  return { step: job.selftune_progress.step, total: job.selftune_progress.total_steps };
}
