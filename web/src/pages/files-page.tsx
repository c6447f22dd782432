import { useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { ActionButton } from '../components/action-button.tsx';
import { bytes, dateTime } from '../format.ts';
import { listFiles, uploadFile } from '../files-api.ts';
import { usePoll } from '../poll.ts';

const PAGE_SIZE = 50;

export function FilesPage() {
  const [after, setAfter] = useState<string[]>([]);
  const cursor = after.at(-1);
  const files = usePoll((signal) => listFiles({ limit: PAGE_SIZE, after: cursor }, signal), [cursor], 10000);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const rows = files.data?.data ?? [];

  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setUploadError(null);
    try {
      await uploadFile(file);
      files.reload();
    } catch (err) {
      setUploadError(errorText(err));
    } finally {
      input.value = '';
    }
  };

  return (
    <section>
      <header class="page-header">
        <h1>Files</h1>
        <label class="upload">
          Upload for fine-tuning <input type="file" accept=".jsonl" onChange={(e) => upload(e.target as HTMLInputElement)} />
        </label>
      </header>
      {(files.error || uploadError) && <p class="error" role="alert">{uploadError ?? files.error}</p>}
      <table class="list files">
        <thead>
          <tr>
            <th>File</th>
            <th>Name</th>
            <th>Purpose</th>
            <th>Size</th>
            <th>Created</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((f) => (
            <tr key={f.id}>
              <td class="mono">{f.id}</td>
              <td>{f.filename}</td>
              <td>{f.purpose}</td>
              <td>{bytes(f.bytes)}</td>
              <td>{dateTime(f.created_at)}</td>
              <td title={f.status_details ?? ''}>{f.status}</td>
              <td>
                <ActionButton label="Delete" danger confirm={`Delete ${f.filename} (${f.id})?`} action={() => api(`/v1/files/${f.id}`, { method: 'DELETE' })} onDone={files.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!files.loading && rows.length === 0 && <p class="muted empty">No files.</p>}
      <nav class="pager">
        <button type="button" disabled={!after.length} onClick={() => setAfter(after.slice(0, -1))}>
          ← Newer
        </button>
        <button type="button" disabled={!files.data?.has_more} onClick={() => setAfter([...after, rows.at(-1)!.id])}>
          Older →
        </button>
      </nav>
    </section>
  );
}
