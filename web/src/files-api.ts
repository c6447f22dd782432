import { api, ApiError, withQuery } from './api.ts';
import type { FileObject, List, Model } from './types.ts';

export function uploadFile(file: File, purpose = 'fine-tune'): Promise<FileObject> {
  const form = new FormData();
  form.set('purpose', purpose);
  form.set('file', file, file.name);
  return api<FileObject>('/v1/files', { form });
}

export const listFiles = (query: { purpose?: string; limit: number; after?: string }, signal?: AbortSignal) =>
  api<List<FileObject>>(withQuery('/v1/files', query), { signal });

/** Usable models, then (the `include_unusable` extension) folders of the models directory that are not, with why. */
export const listModels = (signal?: AbortSignal) => api<List<Model>>('/v1/models?include_unusable=true', { signal });

/** What only Mistral's model cards carry: a display name and the archived flag. */
export interface ModelLabels {
  name: string | null;
  archived: boolean;
}

/** Names and archived flags by model id; empty on a server without the Mistral routes. */
export async function modelLabels(signal?: AbortSignal): Promise<Map<string, ModelLabels>> {
  try {
    const cards = await api<{ data: Array<{ id: string; name?: string | null; archived?: boolean }> }>('/mistral/v1/models', { signal });
    return new Map(cards.data.map((c) => [c.id, { name: c.name ?? null, archived: c.archived === true }]));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return new Map();
    throw err;
  }
}

export type ModelKind = 'base' | 'fine-tuned' | 'checkpoint';

/** Model names say what they are: `ft:…` is fine-tuned, `…:ckpt-step-N` a kept checkpoint. */
export function modelKind(id: string): ModelKind {
  if (!id.startsWith('ft:')) return 'base';
  return /:ckpt-step-\d+$/.test(id) ? 'checkpoint' : 'fine-tuned';
}
