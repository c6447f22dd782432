import { api, ApiError, errorText } from '../api.ts';
import { ActionButton } from '../components/action-button.tsx';
import { openAiIdToUuid } from '../ids.ts';
import { usePoll } from '../poll.ts';
import type { Job } from '../types.ts';

/**
 * Whether the job waits for an explicit start (Mistral's VALIDATED, which
 * OpenAI shows as `paused`). Only the Mistral dialect can tell; a server
 * without its job routes answers 404 and the Start button stays hidden.
 */
function useAwaitingStart(job: Job) {
  const uuid = openAiIdToUuid(job.id);
  const probe = usePoll(
    async (signal) => {
      if (job.status !== 'paused' || !uuid) return false;
      try {
        const mistralJob = await api<{ status?: string }>(`/mistral/v1/fine_tuning/jobs/${uuid}`, { signal });
        return mistralJob.status === 'VALIDATED';
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      }
    },
    [job.id, job.status],
    0,
    false,
  );
  return { awaiting: probe.data === true, uuid };
}

const post = (path: string) => api(path, { method: 'POST' });

export function JobActions({ job, onChange }: { job: Job; onChange: () => void }) {
  const { awaiting, uuid } = useAwaitingStart(job);
  const base = `/v1/fine_tuning/jobs/${job.id}`;
  const s = job.status;
  return (
    <div class="actions">
      {awaiting && uuid && (
        <ActionButton
          label="Start"
          confirm={`Start training job ${job.id}?`}
          action={() => post(`/mistral/v1/fine_tuning/jobs/${uuid}/start`)}
          describeError={(err) => (err instanceof ApiError && err.status === 404 ? 'This server cannot start jobs yet.' : errorText(err))}
          onDone={onChange}
        />
      )}
      {s === 'running' && <ActionButton label="Pause" confirm={`Pause job ${job.id}? It saves a checkpoint and can be resumed.`} action={() => post(`${base}/pause`)} onDone={onChange} />}
      {s === 'paused' && !awaiting && <ActionButton label="Resume" confirm={`Resume job ${job.id}?`} action={() => post(`${base}/resume`)} onDone={onChange} />}
      {['validating_files', 'queued', 'running', 'pausing', 'paused'].includes(s) && (
        <ActionButton label="Cancel" danger confirm={`Cancel job ${job.id}? This cannot be undone.`} action={() => post(`${base}/cancel`)} onDone={onChange} />
      )}
    </div>
  );
}
