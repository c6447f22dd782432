import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import type { CliContext } from './cli-context.ts';

const FINISHED = ['succeeded', 'failed', 'cancelled'];
const POLL_MS = 500;
const PLAIN_METRICS_EVERY_MS = 2000;

interface Metrics {
  step: number;
  total_steps: number;
  train_loss: number;
  valid_loss?: number;
}

function eta(job: FineTuningJob): string {
  if (!job.estimated_finish) return '--:--';
  const s = Math.max(0, job.estimated_finish - Math.floor(Date.now() / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function bar(m: Metrics | null, job: FineTuningJob, width = 30): string {
  const done = m ? m.step / m.total_steps : 0;
  const filled = Math.round(done * width);
  const loss = m ? `loss ${m.train_loss.toFixed(3)}${m.valid_loss !== undefined ? ` (valid ${m.valid_loss.toFixed(3)})` : ''}` : '';
  const steps = m ? `${m.step}/${m.total_steps}` : '';
  return `${job.status.padEnd(16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${steps} ${loss} ETA ${eta(job)}`;
}

/**
 * GETs under /v1 with the ETag of the last answer: null when the server says
 * it has not changed (304), so a poll of a quiet job costs neither side a body.
 * Any other failure is asked again through the SDK, which throws its usual error.
 */
function revalidating(ctx: CliContext) {
  const tags = new Map<string, string>();
  return async <T>(path: string): Promise<T | null> => {
    const tag = tags.get(path);
    const res = await fetch(`${ctx.baseUrl}/v1${path}`, { headers: { authorization: `Bearer ${ctx.apiKey}`, ...(tag ? { 'if-none-match': tag } : {}) } });
    if (res.status === 304) return null;
    if (!res.ok) return ctx.client.get<T>(path);
    const etag = res.headers.get('etag');
    if (etag) tags.set(path, etag);
    return (await res.json()) as T;
  };
}

/**
 * Watches a job until it finishes. On a terminal: one progress line redrawn in
 * place; otherwise (a log, a pipe): the job's events as plain lines, metrics
 * at most every two seconds. Returns the finished job.
 */
export async function followJob(ctx: CliContext, jobId: string): Promise<FineTuningJob> {
  const tty = ctx.err.isTTY === true;
  let seen: string | undefined; // newest event id already shown
  let latest: Metrics | null = null;
  let lastPlainMetrics = 0;
  const read = revalidating(ctx);
  let job: FineTuningJob | undefined;
  for (;;) {
    job = (await read<FineTuningJob>(`/fine_tuning/jobs/${jobId}`)) ?? job!;
    const page = (await read<{ data: FineTuningJobEvent[] }>(`/fine_tuning/jobs/${jobId}/events?limit=100`)) ?? { data: [] };
    const fresh = [];
    for (const e of page.data) {
      if (e.id === seen) break;
      fresh.push(e);
    }
    seen = page.data[0]?.id ?? seen;
    for (const e of fresh.reverse()) {
      if (e.type === 'metrics') {
        latest = e.data as Metrics;
        if (!tty && Date.now() - lastPlainMetrics >= PLAIN_METRICS_EVERY_MS) {
          lastPlainMetrics = Date.now();
          ctx.err.write(`${e.message}\n`);
        }
      } else if (!tty) {
        ctx.err.write(`${e.message}\n`);
      }
    }
    if (tty) ctx.err.write(`\r\x1b[2K${bar(latest, job)}`);
    if (FINISHED.includes(job.status)) {
      if (tty) ctx.err.write('\n');
      return job;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
