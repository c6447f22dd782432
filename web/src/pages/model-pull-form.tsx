import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import type { ModelPull } from '../types.ts';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * Pull from Hugging Face: the server downloads the repository (safetensors
 * weights unless more patterns are named) through the `/v1/model_pulls`
 * extension; the form follows its progress and reloads the list when done.
 */
export function ModelPullForm({ onPulled }: { onPulled: () => void }) {
  const [model, setModel] = useState('');
  const [revision, setRevision] = useState('');
  const [patterns, setPatterns] = useState('');
  const [pull, setPull] = useState<ModelPull | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (pull?.status !== 'running') return;
    const timer = setTimeout(async () => {
      try {
        const next = await api<ModelPull>(`/v1/model_pulls/${pull.id}`);
        setPull(next);
        if (next.status === 'succeeded') onPulled();
      } catch (err) {
        setError(errorText(err));
      }
    }, 1000);
    return () => clearTimeout(timer);
  }, [pull]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const includePatterns = patterns.split(',').map((p) => p.trim()).filter(Boolean);
    try {
      setPull(await api<ModelPull>('/v1/model_pulls', { json: { model: model.trim(), ...(revision.trim() ? { revision: revision.trim() } : {}), include_patterns: includePatterns } }));
    } catch (err) {
      setError(errorText(err));
    }
  };

  const share = pull?.bytes_total ? pull.bytes_done / pull.bytes_total : 0;
  return (
    <form class="pull-model" onSubmit={submit}>
      <fieldset>
        <legend>Pull from Hugging Face</legend>
        <input name="model" placeholder="org/name, e.g. Qwen/Qwen2.5-0.5B-Instruct" value={model} required onInput={(e) => setModel(e.currentTarget.value)} />
        <input name="revision" placeholder="revision (main)" value={revision} onInput={(e) => setRevision(e.currentTarget.value)} />
        <input name="include_patterns" placeholder="also fetch, e.g. *.bin" title="Comma-separated globs; by default only safetensors weights are fetched" value={patterns} onInput={(e) => setPatterns(e.currentTarget.value)} />
        <button type="submit" disabled={pull?.status === 'running' || !model.trim()}>Pull</button>
      </fieldset>
      {error && <p class="error" role="alert">{error}</p>}
      {pull && (
        <p class="progress pull-progress" data-status={pull.status}>
          <span class="progress-track"><span class={`progress-fill status-${pull.status}`} style={{ width: `${Math.round(share * 100)}%` }} /></span>
          <span class="progress-text">
            {pull.model}: {pull.status}
            {pull.bytes_total !== null && ` · ${mb(pull.bytes_done)} / ${mb(pull.bytes_total)}`}
            {pull.files_total !== null && ` · ${pull.files_done}/${pull.files_total} files`}
          </span>
          {pull.error && <span class="error-inline">{pull.error.message}</span>}
        </p>
      )}
    </form>
  );
}
