import { useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { listModels } from '../files-api.ts';
import { usePoll } from '../poll.ts';
import { useLocation } from '../router.ts';

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface ChatCompletion {
  choices: { message: { role: string; content: string | null } }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}

interface Classification {
  results: { [target: string]: { scores: Record<string, number> } }[];
}

export function PlaygroundPage() {
  const { query } = useLocation();
  const models = usePoll(listModels, [], 0, false);
  const [model, setModel] = useState(query.get('model') ?? '');
  const [mode, setMode] = useState<'chat' | 'classify'>('chat');
  const chosen = model || models.data?.data[0]?.id || '';
  return (
    <section>
      <header class="page-header">
        <h1>Playground</h1>
        <select name="model" value={chosen} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
          {(models.data?.data ?? []).map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </select>
        <div class="tabs" role="tablist">
          {(['chat', 'classify'] as const).map((m) => (
            <button type="button" role="tab" aria-selected={mode === m} class={mode === m ? 'selected' : ''} onClick={() => setMode(m)}>
              {m === 'chat' ? 'Chat' : 'Classify'}
            </button>
          ))}
        </div>
      </header>
      {models.error && <p class="error">{models.error}</p>}
      {mode === 'chat' ? <Chat model={chosen} /> : <Classify model={chosen} />}
    </section>
  );
}

/** Non-streamed chat completions (`POST /v1/chat/completions`), the whole conversation sent each turn. */
function Chat({ model }: { model: string }) {
  const [system, setSystem] = useState('');
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [input, setInput] = useState('');
  const [temperature, setTemperature] = useState('0.7');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (event: Event) => {
    event.preventDefault();
    if (!input.trim()) return;
    const conversation: ChatMessage[] = [...messages, { role: 'user', content: input }];
    setMessages(conversation);
    setInput('');
    setBusy(true);
    setError(null);
    try {
      const sent = system.trim() ? [{ role: 'system', content: system }, ...conversation] : conversation;
      const reply = await api<ChatCompletion>('/v1/chat/completions', { json: { model, messages: sent, temperature: Number(temperature), max_tokens: 256 } });
      setMessages([...conversation, { role: 'assistant', content: reply.choices[0]?.message.content ?? '' }]);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="chat" onSubmit={send}>
      <label>
        System prompt <textarea rows={2} value={system} onInput={(e) => setSystem((e.target as HTMLTextAreaElement).value)} />
      </label>
      <ol class="messages">
        {messages.map((m, i) => (
          <li key={i} class={`message role-${m.role}`}>
            <strong>{m.role}</strong>
            <p>{m.content}</p>
          </li>
        ))}
      </ol>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="chat-input">
        <textarea rows={3} name="prompt" placeholder="Say something…" value={input} onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)} />
        <label>
          Temperature <input type="number" min="0" max="2" step="0.1" value={temperature} onInput={(e) => setTemperature((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={busy || !model}>
          {busy ? 'Waiting…' : 'Send'}
        </button>
        <button type="button" onClick={() => setMessages([])} disabled={busy}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** A classifier model's scores per target (`POST /mistral/v1/classifications`). */
function Classify({ model }: { model: string }) {
  const [text, setText] = useState('');
  const [result, setResult] = useState<Classification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setResult(await api<Classification>('/mistral/v1/classifications', { json: { model, input: [text] } }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const targets = Object.entries(result?.results[0] ?? {});
  return (
    <form class="classify" onSubmit={run}>
      <textarea rows={4} name="text" placeholder="Text to classify" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <button type="submit" class="primary" disabled={busy || !model || !text.trim()}>
        {busy ? 'Classifying…' : 'Classify'}
      </button>
      {error && <p class="error" role="alert">{error}</p>}
      {targets.map(([target, { scores }]) => (
        <div key={target} class="scores">
          <h3>{target}</h3>
          {Object.entries(scores)
            .sort((a, b) => b[1] - a[1])
            .map(([label, score]) => (
              <div key={label} class="score">
                <span>{label}</span>
                <span class="progress-track">
                  <span class="progress-fill" style={{ width: `${(score * 100).toFixed(1)}%` }} />
                </span>
                <span>{score.toFixed(3)}</span>
              </div>
            ))}
        </div>
      ))}
    </form>
  );
}
