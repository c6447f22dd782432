import { api, withQuery } from '../api.ts';
import { KeyValues } from '../components/key-values.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { dateTime, duration, metric, nowSeconds } from '../format.ts';
import { useMetricsHistory } from '../metrics-history.ts';
import { usePoll } from '../poll.ts';
import { type Checkpoint, isTerminal, type Job, type JobEvent, type List } from '../types.ts';
import { JobActions } from './job-actions.tsx';
import { JobCharts } from './job-charts.tsx';

const POLL_MS = 2000;

export function JobPage({ id }: { id: string }) {
  const job = usePoll((signal) => api<Job>(`/v1/fine_tuning/jobs/${id}`, { signal }), [id], POLL_MS);
  const live = job.data ? !isTerminal(job.data.status) : true;
  const history = useMetricsHistory(id, live, POLL_MS);
  const events = usePoll((signal) => api<List<JobEvent>>(withQuery(`/v1/fine_tuning/jobs/${id}/events`, { type: 'message', limit: 100 }), { signal }), [id, live], POLL_MS, live);
  const checkpoints = usePoll((signal) => api<List<Checkpoint>>(withQuery(`/v1/fine_tuning/jobs/${id}/checkpoints`, { limit: 100 }), { signal }), [id, live], 5000, live);

  if (!job.data) return <section>{job.error ? <p class="error" role="alert">{job.error}</p> : <p class="muted">Loading…</p>}</section>;
  const j = job.data;
  const latest = history.metrics.at(-1);
  const hyperparameters = j.hyperparameters ?? methodHyperparameters(j);
  const refresh = () => {
    job.reload();
    events.reload();
  };

  return (
    <section class="job">
      <header class="page-header">
        <h1 class="mono">{j.id}</h1>
        <StatusBadge status={j.status} />
        <JobActions job={j} onChange={refresh} />
      </header>
      {job.error && <p class="error" role="alert">{job.error}</p>}
      {j.error?.message && (
        <div class="job-error" role="alert">
          <strong>{j.error.code ?? 'error'}</strong>
          <pre>{j.error.message}</pre>
        </div>
      )}

      <div class="progress-row">
        <ProgressBar progress={latest ? { step: latest.step, total: latest.total_steps } : null} status={j.status} />
        {j.status === 'running' && j.estimated_finish && (
          <span>
            ETA {duration(j.estimated_finish - nowSeconds())} ({dateTime(j.estimated_finish)})
          </span>
        )}
        {latest && (
          <span class="muted">
            train loss {metric(latest.train_loss)}
            {latest.valid_loss !== undefined && ` · valid loss ${metric(latest.valid_loss)}`}
          </span>
        )}
      </div>
      {history.error && <p class="error">{history.error}</p>}
      <JobCharts metrics={history.metrics} />

      <div class="columns">
        <div>
          <h2>Job</h2>
          <KeyValues
            rows={[
              ['Base model', <span class="mono">{j.model}</span>],
              ['Fine-tuned model', j.fine_tuned_model && <span class="mono">{j.fine_tuned_model}</span>],
              ['Method', j.method?.type],
              ['Training file', <span class="mono">{j.training_file}</span>],
              ['Validation file', j.validation_file && <span class="mono">{j.validation_file}</span>],
              ['Result files', j.result_files.join(', ')],
              ['Suffix', j.user_provided_suffix],
              ['Seed', String(j.seed)],
              ['Created', dateTime(j.created_at)],
              ['Finished', j.finished_at ? dateTime(j.finished_at) : null],
              ['Duration', duration((j.finished_at ?? nowSeconds()) - j.created_at)],
              ['Estimated finish', j.estimated_finish ? dateTime(j.estimated_finish) : null],
              ['Trained tokens', j.trained_tokens?.toLocaleString() ?? null],
            ]}
          />
        </div>
        <div>
          <h2>Hyperparameters</h2>
          {hyperparameters ? (
            <KeyValues rows={Object.entries(hyperparameters).map(([k, v]) => [k, String(v)])} />
          ) : (
            <p class="muted">None for this method.</p>
          )}
          <h2>Metadata</h2>
          {j.metadata && Object.keys(j.metadata).length ? <KeyValues rows={Object.entries(j.metadata)} /> : <p class="muted">None.</p>}
        </div>
      </div>

      <h2>Checkpoints</h2>
      <CheckpointsTable checkpoints={checkpoints.data?.data ?? []} />

      <h2>Events</h2>
      <ol class="events">
        {(events.data?.data ?? []).map((e) => (
          <li key={e.id} class={`level-${e.level}`}>
            <time>{dateTime(e.created_at)}</time> <span>{e.message}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function CheckpointsTable({ checkpoints }: { checkpoints: Checkpoint[] }) {
  if (!checkpoints.length) return <p class="muted">None yet.</p>;
  const keys = [...new Set(checkpoints.flatMap((c) => Object.keys(c.metrics)))].filter((k) => k !== 'step');
  return (
    <table class="list checkpoints">
      <thead>
        <tr>
          <th>Step</th>
          <th>Model</th>
          {keys.map((k) => (
            <th key={k}>{k.replace(/_/g, ' ')}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {checkpoints.map((c) => (
          <tr key={c.id}>
            <td>{c.step_number}</td>
            <td class="mono">{c.fine_tuned_model_checkpoint}</td>
            {keys.map((k) => (
              <td key={k}>{metric(c.metrics[k])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The legacy `hyperparameters` is null for DPO: its numbers (beta among them) are under `method.dpo`. */
function methodHyperparameters(j: Job): Record<string, unknown> | null {
  const section = j.method?.[j.method.type];
  return typeof section === 'object' && section.hyperparameters ? section.hyperparameters : null;
}
