export interface Progress {
  step: number;
  total: number;
}

export function ProgressBar({ progress, status }: { progress: Progress | null | undefined; status: string }) {
  if (!progress) return <span class="muted">{status === 'succeeded' ? 'done' : '—'}</span>;
  const pct = progress.total > 0 ? Math.min(100, (100 * progress.step) / progress.total) : 0;
  return (
    <span class="progress" title={`${pct.toFixed(0)}%`}>
      <span class="progress-track">
        <span class={`progress-fill status-${status}`} style={{ width: `${pct}%` }} />
      </span>
      <span class="progress-text">
        {progress.step}/{progress.total}
      </span>
    </span>
  );
}
