import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.ts';
import type { ClassifyInput, Generation } from '../inference/generation.ts';
import { type LimitState, openAiDuration } from './gcra.ts';
import type { Limits } from './limits.ts';
import type { LimitKind } from './rate-limit.repository.ts';

// The limits at the HTTP edge: OpenAI's x-ratelimit-* headers on every answer
// a limit applies to, and a 429 with `retry-after` (seconds, which the Mistral
// SDK reads) and `retry-after-ms` (which the openai SDK prefers) when over.

/** The Admin API is not rate limited: an admin must always be able to lift a limit it set too low. */
const ADMIN_API = /^\/v1\/organization(\/|\?|$)/;

/** What a multipart upload adds to its file part (the boundary, part headers, a `purpose` field): far below this. */
const MULTIPART_SLACK_BYTES = 64 * 1024;

function sendState(reply: FastifyReply, kind: LimitKind, state: LimitState): void {
  void reply.header(`x-ratelimit-limit-${kind}`, String(state.limit));
  void reply.header(`x-ratelimit-remaining-${kind}`, String(state.remaining));
  void reply.header(`x-ratelimit-reset-${kind}`, openAiDuration(state.resetMs));
}

function refuseIfOver(reply: FastifyReply, kind: LimitKind, state: LimitState | null): void {
  if (!state) return;
  sendState(reply, kind, state);
  if (state.retryAfterMs === null) return;
  void reply.header('retry-after-ms', String(state.retryAfterMs));
  const what = kind === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
  throw new AppError({
    code: 'rate_limit_exceeded',
    type: kind,
    message: `Rate limit reached for this API key on ${what}: limit ${state.limit}, remaining ${state.remaining}. Please try again in ${openAiDuration(state.retryAfterMs)}.`,
    retryAfterSeconds: Math.max(1, Math.ceil(state.retryAfterMs / 1000)),
  });
}

/** Counts the request against its key's requests-per-minute limit (both dialects' onRequest hook, after authentication). */
export async function limitRequest(limits: Limits, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (ADMIN_API.test(request.url)) return;
  refuseIfOver(reply, 'requests', await limits.rates.takeRequest(request.caller));
}

/** A generation under its key's tokens-per-minute limit: refused while none are left, charged prompt + completion tokens when done. */
export async function limitTokens(limits: Limits, request: FastifyRequest, reply: FastifyReply, generate: () => Promise<Generation>): Promise<Generation> {
  refuseIfOver(reply, 'tokens', await limits.rates.checkTokens(request.caller));
  const generation = await generate();
  const charge = (tokens: number) => limits.rates.chargeTokens(request.caller, tokens).catch((err: unknown) => request.log.warn({ err }, 'could not charge tokens to the rate limit'));
  return {
    cancel: () => generation.cancel(),
    events: (async function* () {
      for await (const event of generation.events) {
        if (event.type === 'done') await charge(event.result.promptTokens + event.result.completionTokens);
        yield event;
      }
    })(),
  };
}

/**
 * A classification under the tokens-per-minute limit. The worker does not count
 * a classifier's tokens, so it is charged an estimate: one token per 4 bytes of input text.
 */
export async function limitClassifyTokens<T>(limits: Limits, request: FastifyRequest, reply: FastifyReply, inputs: ClassifyInput[], classify: () => Promise<T>): Promise<T> {
  refuseIfOver(reply, 'tokens', await limits.rates.checkTokens(request.caller));
  const result = await classify();
  const text = inputs.map((i) => ('text' in i ? i.text : i.messages.map((m) => m.content).join(''))).join('');
  await limits.rates.chargeTokens(request.caller, Math.ceil(Buffer.byteLength(text) / 4));
  return result;
}

/**
 * Before an upload's body is read: refused (and the connection closed, so the
 * body is never read) when its declared length cannot fit the project's storage
 * quota. An upload without a declared length is checked once staged.
 */
export async function checkUploadQuota(limits: Limits, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const declared = Number(request.headers['content-length']);
  if (!Number.isFinite(declared)) return;
  try {
    await limits.quotas.checkDeclaredUpload(request.caller.projectId, declared - MULTIPART_SLACK_BYTES);
  } catch (err) {
    void reply.header('connection', 'close');
    throw err;
  }
}
