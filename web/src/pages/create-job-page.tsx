import { useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { bytes } from '../format.ts';
import { listFiles, listModels, modelKind, uploadFile } from '../files-api.ts';
import { usePoll } from '../poll.ts';
import { navigate } from '../router.ts';
import type { FileObject, Job } from '../types.ts';

const HYPERPARAMETERS = [
  { name: 'n_epochs', label: 'Epochs', step: '1', hint: '3, more for small sets' },
  { name: 'batch_size', label: 'Batch size', step: '1', hint: '1 up to 127 examples, then ≈ n/64' },
  { name: 'learning_rate_multiplier', label: 'Learning rate multiplier', step: 'any', hint: '√batch size' },
] as const;
type HyperparameterName = (typeof HYPERPARAMETERS)[number]['name'];

/** Picks an uploaded file, or uploads one from disk (which then becomes the pick). */
function FilePicker({ label, name, files, value, onChange, optional }: { label: string; name: string; files: FileObject[]; value: string; onChange: (id: string) => void; optional?: boolean }) {
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [uploaded, setUploaded] = useState<FileObject[]>([]);
  const choices = [...uploaded, ...files.filter((f) => !uploaded.some((u) => u.id === f.id))];
  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setUploading(true);
    setError(null);
    try {
      const created = await uploadFile(file);
      setUploaded((list) => [created, ...list]);
      onChange(created.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setUploading(false);
      input.value = '';
    }
  };
  return (
    <fieldset>
      <legend>{label}</legend>
      <select name={name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">{optional ? 'none' : 'choose a file…'}</option>
        {choices.map((f) => (
          <option key={f.id} value={f.id}>
            {f.filename} ({bytes(f.bytes)}, {f.id})
          </option>
        ))}
      </select>
      <label class="upload">
        or upload a .jsonl <input type="file" name={`${name}_upload`} accept=".jsonl" disabled={uploading} onChange={(e) => upload(e.target as HTMLInputElement)} />
      </label>
      {uploading && <span class="muted">uploading…</span>}
      {error && <p class="error" role="alert">{error}</p>}
    </fieldset>
  );
}

export function CreateJobPage() {
  const files = usePoll((signal) => listFiles({ purpose: 'fine-tune', limit: 200 }, signal), [], 0, false);
  const models = usePoll(listModels, [], 0, false);
  const [trainingFile, setTrainingFile] = useState('');
  const [validationFile, setValidationFile] = useState('');
  const [model, setModel] = useState('');
  const [suffix, setSuffix] = useState('');
  const [hp, setHp] = useState<Record<HyperparameterName, string>>({ n_epochs: '', batch_size: '', learning_rate_multiplier: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Checkpoints cannot be trained further; base and fine-tuned models can.
  const trainable = (models.data?.data ?? []).filter((m) => modelKind(m.id) !== 'checkpoint');
  const chosenModel = model || trainable[0]?.id || '';

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const hyperparameters = Object.fromEntries(
        HYPERPARAMETERS.map(({ name }) => [name, hp[name].trim() === '' ? 'auto' : Number(hp[name])]),
      );
      const job = await api<Job>('/v1/fine_tuning/jobs', {
        json: {
          model: chosenModel,
          training_file: trainingFile,
          ...(validationFile ? { validation_file: validationFile } : {}),
          ...(suffix ? { suffix } : {}),
          method: { type: 'supervised', supervised: { hyperparameters } },
        },
      });
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const fileList = files.data?.data ?? [];
  return (
    <section>
      <header class="page-header">
        <h1>New fine-tuning job</h1>
      </header>
      {(files.error || models.error) && <p class="error">{files.error ?? models.error}</p>}
      <form class="create-job" onSubmit={submit}>
        <FilePicker label="Training file" name="training_file" files={fileList} value={trainingFile} onChange={setTrainingFile} />
        <FilePicker label="Validation file" name="validation_file" files={fileList} value={validationFile} onChange={setValidationFile} optional />
        <fieldset>
          <legend>Base model</legend>
          <select name="model" value={chosenModel} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
            {trainable.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
          <label>
            Suffix <input name="suffix" maxLength={64} value={suffix} onInput={(e) => setSuffix((e.target as HTMLInputElement).value)} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Hyperparameters</legend>
          {HYPERPARAMETERS.map(({ name, label, step, hint }) => (
            <label key={name} class="hp">
              {label}
              <input
                type="number"
                name={name}
                min="0"
                step={step}
                placeholder="auto"
                value={hp[name]}
                onInput={(e) => setHp({ ...hp, [name]: (e.target as HTMLInputElement).value })}
              />
              <span class="muted">auto: {hint}</span>
            </label>
          ))}
        </fieldset>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !trainingFile || !chosenModel}>
          {busy ? 'Creating…' : 'Create job'}
        </button>
      </form>
    </section>
  );
}
