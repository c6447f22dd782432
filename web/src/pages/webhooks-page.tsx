import { useState } from 'preact/hooks';
import { errorText } from '../api.ts';
import { ActionButton } from '../components/action-button.tsx';
import { dateTime } from '../format.ts';
import { usePoll } from '../poll.ts';
import { createEndpoint, deleteEndpoint, EVENT_TYPES, getEndpoint, listDeliveries, listEndpoints, sendTestEvent, type WebhookEndpointWithSecret } from '../webhooks-api.ts';

/** The project's webhook endpoints: create one (its secret shown once), delete one, open one for its delivery log. */
export function WebhooksPage() {
  const endpoints = usePoll(listEndpoints, [], 15000);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<string[]>([...EVENT_TYPES]);
  const [made, setMade] = useState<WebhookEndpointWithSecret | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setMade(await createEndpoint(name, url, types));
      setName('');
      setUrl('');
      endpoints.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const toggle = (type: string) => setTypes((now) => (now.includes(type) ? now.filter((t) => t !== type) : [...now, type]));
  return (
    <section>
      <header class="page-header">
        <h1>Webhooks</h1>
      </header>
      <form class="inline-form" onSubmit={create}>
        <input name="endpoint-name" placeholder="Name (e.g. ci)" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <input name="endpoint-url" placeholder="https://example.com/hooks" size={40} value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        {EVENT_TYPES.map((type) => (
          <label key={type}>
            <input type="checkbox" name={type} checked={types.includes(type)} onChange={() => toggle(type)} /> {type.replace('fine_tuning.job.', '')}
          </label>
        ))}
        <button type="submit" disabled={!name.trim() || !url.trim() || types.length === 0}>Create endpoint</button>
      </form>
      {(endpoints.error || error) && <p class="error" role="alert">{error ?? endpoints.error}</p>}
      {made && (
        <div class="new-key" role="status">
          <p>
            Signing secret of <b>{made.name}</b>. Copy it now: it is not shown again.
          </p>
          <code class="mono">{made.signing_secret}</code>
        </div>
      )}
      <table class="list webhooks">
        <thead>
          <tr>
            <th>Name</th>
            <th>URL</th>
            <th>Events</th>
            <th>Secret</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(endpoints.data ?? []).map((e) => (
            <tr key={e.id} data-endpoint-id={e.id}>
              <td>
                <a href={`/webhooks/${encodeURIComponent(e.id)}`}>{e.name}</a>
              </td>
              <td class="mono">{e.url}</td>
              <td>{e.event_types.join(', ')}</td>
              <td class="mono">{e.signing_secret_hint}</td>
              <td>{dateTime(e.created_at)}</td>
              <td>
                <ActionButton label="Delete" danger confirm={`Delete ${e.name}? Events it is still owed are not sent.`} action={() => deleteEndpoint(e.id)} onDone={endpoints.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!endpoints.loading && !endpoints.data?.length && !endpoints.error && <p class="muted empty">No webhook endpoints.</p>}
    </section>
  );
}

/** One endpoint's delivery log, newest first, and a button that sends it a test event. */
export function WebhookPage({ id }: { id: string }) {
  const endpoint = usePoll((signal) => getEndpoint(id, signal), [id], 15000);
  const deliveries = usePoll((signal) => listDeliveries(id, signal), [id], 5000);
  return (
    <section>
      <header class="page-header">
        <h1>{endpoint.data?.name ?? id}</h1>
        <span class="mono muted">{endpoint.data?.url}</span>
        <ActionButton label="Send test event" action={() => sendTestEvent(id, 'fine_tuning.job.succeeded')} onDone={deliveries.reload} />
      </header>
      {(endpoint.error || deliveries.error) && <p class="error" role="alert">{endpoint.error ?? deliveries.error}</p>}
      <h2>Deliveries</h2>
      <table class="list deliveries">
        <thead>
          <tr>
            <th>Time</th>
            <th>Event</th>
            <th>Type</th>
            <th>Attempt</th>
            <th>Status</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {(deliveries.data ?? []).map((a) => (
            <tr key={a.id} data-attempt-id={a.id} class={a.success ? 'ok' : 'failed'}>
              <td>{dateTime(a.started_at)}</td>
              <td class="mono">{a.test ? `${a.event_id} (test)` : a.event_id}</td>
              <td>{a.event_type}</td>
              <td>{a.attempt}</td>
              <td class="status-code">{a.status_code ?? '—'}</td>
              <td>{a.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!deliveries.loading && !deliveries.data?.length && !deliveries.error && <p class="muted empty">Nothing sent yet.</p>}
    </section>
  );
}
