import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderOpenAiError } from '../dialects/openai/errors.ts';
import { appError } from '../errors/app-error.ts';
import type { TrainerEvent } from '../executors/trainer-protocol.ts';
import { renderErrorsWith } from '../server/dialect-errors.ts';
import type { RemoteRun, RemoteRuns } from './remote-runs.ts';
import type { RunnerTokens } from './runner-tokens.ts';

export interface RunnerEndpoint {
  tokens: RunnerTokens;
  runs: RemoteRuns;
}

const eventsBody = z.object({ first_seq: z.number().int().min(0), events: z.array(z.object({ event: z.string() }).passthrough()).max(10_000) });
const exitBody = z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), stderr_tail: z.string(), events: z.number().int().min(0) });

function bearer(request: FastifyRequest): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match ? match[1]! : null;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw appError('invalid_request', `Invalid runner request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The runner protocol (docs/runner-protocol.md), mounted at /runner/v1: a remote
 * trainer fetches its spec, posts its events and reports its exit. Only the
 * job's own runner token is accepted, and only while the job's run is this
 * server's; errors use the OpenAI envelope.
 */
export function runnerPlugin(endpoint: RunnerEndpoint) {
  return async (app: FastifyInstance) => {
    renderErrorsWith(app, renderOpenAiError);

    const runOf = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<RemoteRun> => {
      const token = bearer(request);
      const jobId = request.params.id;
      if (!token || !(await endpoint.tokens.valid(token, jobId))) throw appError('invalid_runner_token');
      const run = endpoint.runs.find(jobId, token);
      if (!run) throw appError('run_not_here');
      return run;
    };

    app.get<{ Params: { id: string } }>('/jobs/:id/spec', async (request) => (await runOf(request)).spec);

    app.post<{ Params: { id: string } }>('/jobs/:id/events', async (request) => {
      const run = await runOf(request);
      const body = parse(eventsBody, request.body);
      return run.receive(body.first_seq, body.events as unknown as TrainerEvent[]);
    });

    app.post<{ Params: { id: string } }>('/jobs/:id/exit', async (request) => {
      const run = await runOf(request);
      await run.reportExit(parse(exitBody, request.body));
      return { ok: true };
    });
  };
}
