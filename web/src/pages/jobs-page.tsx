import { api, withQuery } from '../api.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { dateTime, duration, nowSeconds } from '../format.ts';
import { progressOf } from '../job-progress.ts';
import { usePoll } from '../poll.ts';
import { navigate, useLocation } from '../router.ts';
import { JOB_STATUSES, type Job, type List } from '../types.ts';

const PAGE_SIZE = 25;

/**
 * One page of jobs at a time, newest first, with the API's cursor pagination:
 * the URL holds the status filter and the `after` cursor, so a page can be
 * reloaded or linked. Earlier cursors are kept in `before` for the back button.
 */
export function JobsPage() {
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const after = query.get('after') ?? '';
  const before = (query.get('before') ?? '').split(',').filter(Boolean);

  const page = usePoll((signal) => api<List<Job>>(withQuery('/v1/fine_tuning/jobs', { limit: PAGE_SIZE, after, status }), { signal }), [status, after], 3000);

  const go = (params: Record<string, string>) => navigate(withQuery('/', params));
  const jobs = page.data?.data ?? [];
  const lastId = jobs.at(-1)?.id;

  return (
    <section>
      <header class="page-header">
        <h1>Fine-tuning jobs</h1>
        <label>
          Status{' '}
          <select name="status" value={status} onChange={(e) => go({ status: (e.target as HTMLSelectElement).value })}>
            <option value="">all</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <a class="button primary" href="/new">
          New job
        </a>
      </header>
      {page.error && <p class="error" role="alert">{page.error}</p>}
      <table class="list jobs" aria-busy={page.loading}>
        <thead>
          <tr>
            <th>Job</th>
            <th>Status</th>
            <th>Base model</th>
            <th>Progress</th>
            <th>Created</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job-id={job.id}>
              <td>
                <a href={`/jobs/${job.id}`} class="mono">
                  {job.id}
                </a>
                {job.user_provided_suffix && <span class="muted"> {job.user_provided_suffix}</span>}
              </td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td class="mono">{job.model}</td>
              <td>
                <ProgressBar progress={progressOf(job)} status={job.status} />
              </td>
              <td>{dateTime(job.created_at)}</td>
              <td>{duration((job.finished_at ?? nowSeconds()) - job.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!page.loading && jobs.length === 0 && <p class="muted empty">No jobs{status ? ` with status ${status}` : ''}.</p>}
      <nav class="pager">
        <button type="button" disabled={!after} onClick={() => go({ status, after: before.at(-1) ?? '', before: before.slice(0, -1).join(',') })}>
          ← Newer
        </button>
        <button type="button" disabled={!page.data?.has_more || !lastId} onClick={() => go({ status, after: lastId!, before: [...before, after].filter(Boolean).join(',') })}>
          Older →
        </button>
      </nav>
    </section>
  );
}
