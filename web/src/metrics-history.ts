import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, withQuery } from './api.ts';
import type { JobEvent, List, StepMetrics } from './types.ts';

const PAGE = 1000; // the events list's largest page

/** Newest-first pages of metrics events, back to `knownId` (exclusive) or the first event. */
async function metricsSince(jobId: string, knownId: string | null, signal: AbortSignal): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api<List<JobEvent>>(withQuery(`/v1/fine_tuning/jobs/${jobId}/events`, { type: 'metrics', limit: PAGE, after }), { signal });
    const known = knownId ? page.data.findIndex((e) => e.id === knownId) : -1;
    events.push(...(known >= 0 ? page.data.slice(0, known) : page.data));
    if (known >= 0 || !page.has_more || page.data.length === 0) return events;
    after = page.data.at(-1)!.id;
  }
}

/** One point per step, in step order; a step trained again after a resume keeps its newest numbers. */
function byStep(points: Map<number, StepMetrics>): StepMetrics[] {
  return [...points.values()].sort((a, b) => a.step - b.step);
}

/**
 * The whole metrics history of a job, for its charts: read once in full, then
 * only what is newer than the last event seen, every `intervalMs` while `live`.
 */
export function useMetricsHistory(jobId: string, live: boolean, intervalMs = 2000) {
  const [metrics, setMetrics] = useState<StepMetrics[]>([]);
  const [error, setError] = useState<string | null>(null);
  const state = useRef({ jobId, newestId: null as string | null, points: new Map<number, StepMetrics>() });

  useEffect(() => {
    if (state.current.jobId !== jobId) state.current = { jobId, newestId: null, points: new Map() };
    const s = state.current;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const fresh = await metricsSince(jobId, s.newestId, controller.signal);
        if (controller.signal.aborted) return;
        if (fresh.length) {
          s.newestId = fresh[0]!.id;
          for (const e of fresh.reverse()) {
            const m = e.data as StepMetrics;
            s.points.set(m.step, m);
          }
          setMetrics(byStep(s.points));
        }
        setError(null);
      } catch (err) {
        if (!controller.signal.aborted) setError(errorText(err));
      }
      if (live && !controller.signal.aborted) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [jobId, live]);

  return { metrics, error };
}
