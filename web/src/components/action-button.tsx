import { useState } from 'preact/hooks';
import { errorText } from '../api.ts';

interface Props {
  label: string;
  /** Asked with the browser's confirm dialog before anything is sent. */
  confirm?: string;
  action: () => Promise<unknown>;
  onDone?: () => void;
  /** Turns an error into the message shown (e.g. a 404 from a route this server lacks). */
  describeError?: (err: unknown) => string;
  danger?: boolean;
  disabled?: boolean;
}

/** A button that runs one API call, after confirmation if asked, and shows its failure beside it. */
export function ActionButton({ label, confirm, action, onDone, describeError = errorText, danger, disabled }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    if (confirm && !window.confirm(confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await action();
      onDone?.();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={danger ? 'danger' : ''} disabled={disabled || busy} onClick={run}>
        {busy ? `${label}…` : label}
      </button>
      {error && <span class="error-inline" role="alert">{error}</span>}
    </span>
  );
}
