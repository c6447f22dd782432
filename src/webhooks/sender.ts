/** What one request to an endpoint came to. */
export interface SendResult {
  /** The answer's status; null when none came (refused, reset, timed out). */
  statusCode: number | null;
  ok: boolean;
  error: string | null;
}

/**
 * POSTs one signed event. Only a 2xx counts as received; a redirect is not
 * followed (the receiver must answer at the URL it registered), and a request
 * without an answer within `timeoutMs` has failed.
 */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel(); // the answer's body is not read: only its status counts
    const ok = res.status >= 200 && res.status < 300;
    const why = res.status >= 300 && res.status < 400 ? ` (a redirect to ${res.headers.get('location') ?? 'nowhere'}; redirects are not followed)` : '';
    return { statusCode: res.status, ok, error: ok ? null : `The endpoint answered HTTP ${res.status}${why}` };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const error = timedOut ? `No answer within ${timeoutMs / 1000} s` : `The request failed${cause || (err instanceof Error ? `: ${err.message}` : '')}`;
    return { statusCode: null, ok: false, error };
  }
}
