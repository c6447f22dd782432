// The dashboard talks to the same HTTP API as the SDKs; this is its only way in.

const KEY_STORAGE = 'selftune.apiKey';

export const apiKey = {
  get: (): string => localStorage.getItem(KEY_STORAGE) ?? '',
  set(value: string): void {
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
  },
};

/** Told of every 401: the server wants a key (none, unknown or revoked); auth.ts asks for one. */
export const unauthorized = new Set<(message: string) => void>();

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** The message of either dialect's error body: OpenAI `{error:{message}}`, Mistral `{message}` or FastAPI `{detail}`. */
function errorMessage(body: unknown, fallback: string): { message: string; code: string | null } {
  if (body && typeof body === 'object') {
    const b = body as { error?: { message?: string; code?: string }; message?: string; code?: string; detail?: unknown };
    if (b.error?.message) return { message: b.error.message, code: b.error.code ?? null };
    if (typeof b.message === 'string') return { message: b.message, code: b.code ?? null };
    if (Array.isArray(b.detail)) return { message: b.detail.map((d: { msg?: string }) => d.msg).join('; '), code: null };
  }
  return { message: fallback, code: null };
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  // no-cache: the browser keeps each answer with its ETag and asks again with If-None-Match; an unchanged job answers 304, no body.
  const response = await fetch(path, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, signal: options.signal, cache: 'no-cache' });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const { message, code } = errorMessage(parsed, `${response.status} ${response.statusText}`);
    if (response.status === 401) for (const listener of unauthorized) listener(message);
    throw new ApiError(response.status, message, code);
  }
  return parsed as T;
}

/** Builds `path?k=v&…`, leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
