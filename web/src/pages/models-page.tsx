import { api, ApiError, errorText } from '../api.ts';
import { ActionButton } from '../components/action-button.tsx';
import { dateTime } from '../format.ts';
import { listModels, modelKind, modelLabels } from '../files-api.ts';
import { usePoll } from '../poll.ts';
import { ModelPullForm } from './model-pull-form.tsx';

const mistralModel = (id: string) => `/mistral/v1/fine_tuning/models/${encodeURIComponent(id)}`;

/** Archive and rename are Mistral's model routes; a server without them answers 404, said plainly. */
const mistralError = (err: unknown) => (err instanceof ApiError && err.status === 404 ? 'Not available on this server (no Mistral model routes).' : errorText(err));

export function ModelsPage() {
  const models = usePoll(async (signal) => {
    const [list, labels] = await Promise.all([listModels(signal), modelLabels(signal)]);
    return { list, labels };
  }, [], 10000);
  const all = models.data?.list.data ?? [];
  const rows = all.filter((m) => m.selftune_unusable_reason === undefined);
  const unusable = all.filter((m) => m.selftune_unusable_reason !== undefined);
  const labels = models.data?.labels ?? new Map();
  return (
    <section>
      <header class="page-header">
        <h1>Models</h1>
      </header>
      <ModelPullForm onPulled={models.reload} />
      {models.error && <p class="error" role="alert">{models.error}</p>}
      <table class="list models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Kind</th>
            <th>Description</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => {
            const kind = modelKind(m.id);
            const label = labels.get(m.id);
            return (
              <tr key={m.id} data-model-id={m.id}>
                <td class="mono">
                  {m.id}
                  {label?.name && kind !== 'base' && <div class="model-name">{label.name}</div>}
                </td>
                <td>
                  <span class={`badge kind-${kind}`}>{kind}</span>
                  {label?.archived && <span class="badge archived">archived</span>}
                </td>
                <td>{m.description}</td>
                <td>{dateTime(m.created)}</td>
                <td class="row-actions">
                  <a class="button" href={`/playground?model=${encodeURIComponent(m.id)}`}>
                    Try
                  </a>
                  {kind !== 'base' && (
                    <>
                      <ActionButton
                        label="Rename"
                        action={async () => {
                          const name = window.prompt(`New name for ${m.id}`);
                          if (name) await api(mistralModel(m.id), { method: 'PATCH', json: { name } });
                        }}
                        describeError={mistralError}
                        onDone={models.reload}
                      />
                      {label?.archived ? (
                        <ActionButton label="Unarchive" action={() => api(`${mistralModel(m.id)}/archive`, { method: 'DELETE' })} describeError={mistralError} onDone={models.reload} />
                      ) : (
                        <ActionButton label="Archive" confirm={`Archive ${m.id}?`} action={() => api(`${mistralModel(m.id)}/archive`, { method: 'POST' })} describeError={mistralError} onDone={models.reload} />
                      )}
                      <ActionButton label="Delete" danger confirm={`Delete ${m.id}? Its weights are removed.`} action={() => api(`/v1/models/${encodeURIComponent(m.id)}`, { method: 'DELETE' })} onDone={models.reload} />
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!models.loading && rows.length === 0 && <p class="muted empty">No models.</p>}
      {unusable.length > 0 && (
        <>
          <h2>Folders that are not usable models</h2>
          <table class="list unusable-models">
            <thead>
              <tr>
                <th>Folder</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {unusable.map((m) => (
                <tr key={m.id} data-unusable-id={m.id}>
                  <td class="mono">models/{m.id}</td>
                  <td>{m.selftune_unusable_reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
