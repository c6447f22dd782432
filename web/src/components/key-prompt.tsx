import { useState } from 'preact/hooks';
import { apiKey } from '../api.ts';
import { askForKey, signIn, signOut, useAuth } from '../auth.ts';

/** Asks for an API key while the server refuses the dashboard's requests (401). */
export function KeyPrompt() {
  const { prompt } = useAuth();
  const [value, setValue] = useState('');
  if (prompt === null) return null;
  const submit = (e: Event) => {
    e.preventDefault();
    if (!value.trim()) return;
    signIn(value.trim());
    setValue('');
  };
  return (
    <div class="key-prompt-backdrop" role="dialog" aria-label="Sign in with an API key">
      <form class="key-prompt" onSubmit={submit}>
        <h2>This server needs an API key</h2>
        {prompt && <p class="error" role="alert">{prompt}</p>}
        <p class="muted">A project key shows that project's jobs, files and models; an admin key also manages projects and keys. It is kept in this browser only.</p>
        <input name="api-key" type="password" autocomplete="off" placeholder="sk-…" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoFocus />
        <button type="submit" class="primary">Sign in</button>
      </form>
    </div>
  );
}

/** The top bar's key status: which key is in use, and a way out. */
export function KeyStatus() {
  const { signedIn } = useAuth();
  const key = apiKey.get();
  if (!signedIn || !key) {
    return (
      <span class="key-status">
        <button type="button" onClick={askForKey}>Sign in</button>
      </span>
    );
  }
  return (
    <span class="key-status">
      <span class="mono muted" title="The API key this browser sends">{`${key.slice(0, 8)}…${key.slice(-4)}`}</span>
      <button type="button" onClick={signOut}>Sign out</button>
    </span>
  );
}
