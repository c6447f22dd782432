import { useState } from 'preact/hooks';
import { ApiError, errorText } from '../api.ts';
import { ActionButton } from '../components/action-button.tsx';
import { dateTime } from '../format.ts';
import { usePoll } from '../poll.ts';
import { archiveProject, createProject, createServiceAccount, getProject, listProjectKeys, listProjects, type NewServiceAccount, revokeKey } from '../projects-api.ts';

/** A 403 here means a project key: say what the page needs instead of the bare error. */
const describe = (error: string | null, status: number | undefined) =>
  status === 403 ? 'Projects and keys are managed with an admin key (SELFTUNE_ADMIN_KEY, or one made by an admin); this key belongs to one project.' : error;

function usePollWithStatus<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [status, setStatus] = useState<number | undefined>(undefined);
  const polled = usePoll(
    (signal) =>
      load(signal).catch((err: unknown) => {
        setStatus(err instanceof ApiError ? err.status : undefined);
        throw err;
      }),
    deps,
    15000,
  );
  return { ...polled, error: describe(polled.error, status) };
}

/** The organization's projects (admin keys only): create, archive, open one for its keys. */
export function ProjectsPage() {
  const projects = usePollWithStatus(listProjects, []);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await createProject(name);
      setName('');
      projects.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section>
      <header class="page-header">
        <h1>Projects</h1>
        <form class="inline-form" onSubmit={create}>
          <input name="project-name" placeholder="New project name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" disabled={!name.trim()}>Create project</button>
        </form>
      </header>
      {(projects.error || error) && <p class="error" role="alert">{error ?? projects.error}</p>}
      <table class="list projects">
        <thead>
          <tr>
            <th>Project</th>
            <th>Name</th>
            <th>Status</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(projects.data ?? []).map((p) => (
            <tr key={p.id} data-project-id={p.id}>
              <td class="mono">
                <a href={`/projects/${encodeURIComponent(p.id)}`}>{p.id}</a>
              </td>
              <td>{p.name}</td>
              <td>{p.status}</td>
              <td>{dateTime(p.created_at)}</td>
              <td>
                {p.status === 'active' && (
                  <ActionButton label="Archive" danger confirm={`Archive ${p.name} (${p.id})? Its keys stop working.`} action={() => archiveProject(p.id)} onDone={projects.reload} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One project's keys: make one (shown once), revoke one. */
export function ProjectPage({ id }: { id: string }) {
  const project = usePollWithStatus((signal) => getProject(id, signal), [id]);
  const keys = usePollWithStatus((signal) => listProjectKeys(id, signal), [id]);
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [made, setMade] = useState<NewServiceAccount | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setMade(await createServiceAccount(id, name, role));
      setName('');
      keys.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const archived = project.data?.status === 'archived';
  return (
    <section>
      <header class="page-header">
        <h1>{project.data?.name ?? id}</h1>
        <span class="mono muted">{id}</span>
        {archived && <span class="badge archived">archived</span>}
      </header>
      {(project.error || keys.error || error) && <p class="error" role="alert">{error ?? project.error ?? keys.error}</p>}
      {!archived && (
        <form class="inline-form" onSubmit={create}>
          <input name="key-name" placeholder="Key name (e.g. ci)" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <select name="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            <option value="member">member (read and write)</option>
            <option value="owner">owner</option>
            <option value="reader">reader (read-only)</option>
          </select>
          <button type="submit" disabled={!name.trim()}>Create key</button>
        </form>
      )}
      {made && (
        <div class="new-key" role="status">
          <p>
            Key for <b>{made.name}</b> ({made.role}). Copy it now: it is not shown again.
          </p>
          <code class="mono">{made.api_key.value}</code>
        </div>
      )}
      <h2>Keys</h2>
      <table class="list keys">
        <thead>
          <tr>
            <th>Key</th>
            <th>Service account</th>
            <th>Role</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td class="mono" title={k.id}>{k.redacted_value}</td>
              <td>{k.owner.service_account?.name ?? k.name}</td>
              <td>{k.owner.service_account?.role ?? '—'}</td>
              <td>{dateTime(k.created_at)}</td>
              <td>{dateTime(k.last_used_at)}</td>
              <td>
                <ActionButton label="Revoke" danger confirm={`Revoke ${k.redacted_value}? Anything using it stops working.`} action={() => revokeKey(id, k.id)} onDone={keys.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!keys.loading && !keys.data?.length && !keys.error && <p class="muted empty">No keys.</p>}
    </section>
  );
}
