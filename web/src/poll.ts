import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.ts';

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads with `load` at once and again every `intervalMs` while `active`
 * (and the tab is visible); a change in `deps` starts over. Overlapping
 * loads are never started, and answers that arrive after a restart are dropped.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], intervalMs: number, active = true): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (err) {
        if (controller.signal.aborted) return;
        setError(errorText(err));
      }
      setLoading(false);
      if (!active) return;
      // A hidden tab stops asking; it catches up on the first tick after it is shown again.
      const next = () => {
        if (document.hidden) timer = setTimeout(next, intervalMs);
        else void tick();
      };
      timer = setTimeout(next, intervalMs);
    };
    setLoading(true);
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, active, reloads]);

  return { data, error, loading, reload: () => setReloads((n) => n + 1) };
}
