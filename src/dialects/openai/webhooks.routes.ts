import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/zod-errors.ts';
import type { AppContext } from '../../server/context.ts';
import { EMITTED_EVENT_TYPES, KNOWN_EVENT_TYPES } from '../../webhooks/event-types.ts';
import { cursorPage, cursorQuery } from './pagination.ts';
import { toWireAttempt, toWireDeletedEndpoint, toWireEndpoint, toWireEndpointWithSecret, toWireTestResult } from './webhook.mappers.ts';

// OpenAI's webhook endpoint API (client.webhooks.*), per project: a reader key
// may only read (server/auth.ts refuses its writes). Extension: each
// endpoint's delivery log at GET /webhook_endpoints/{id}/deliveries.

/** The value at fault, named without stringifying it whole (a fuzzed body nests arrays thousands deep). */
const shown = (input: unknown) => (typeof input === 'string' ? `'${input.slice(0, 100)}'` : Array.isArray(input) ? 'an array' : input === null ? 'null' : `a ${typeof input}`);
const eventType = z.enum(KNOWN_EVENT_TYPES, {
  error: (issue) => `${shown(issue.input)} is not a webhook event type of the OpenAI API (selftune sends ${EMITTED_EVENT_TYPES.join(', ')})`,
});
const name = z.string().trim().min(1).max(256);
const url = z.string().max(2048).url().refine((u) => /^https?:\/\//i.test(u), 'expected an http(s):// URL');
const eventTypes = z.array(eventType).min(1).max(KNOWN_EVENT_TYPES.length).transform((types) => [...new Set(types)]);
const createIn = z.strictObject({ name, url, event_types: eventTypes });
const updateIn = z.strictObject({ name: name.optional(), url: url.optional(), event_types: eventTypes.optional() });
const rotateIn = z.strictObject({ keep_old_secret_active_for_24_hours: z.boolean().default(false) });
const testIn = z.strictObject({ event_type: eventType });
const listQuery = cursorQuery(20, 100);

type EndpointParams = { Params: { id: string } };

/** A request's JSON body, `{}` when it has none (the SDK's update and rotate may send none). */
const body = <S extends z.ZodType>(schema: S, request: FastifyRequest) => parseOrThrow(schema, request.body ?? {});

export function openAiWebhooksRoutes(app: FastifyInstance, ctx: AppContext) {
  const { webhooks } = ctx;

  app.get('/webhook_event_types', async () => ({ object: 'list' as const, data: [...webhooks.eventTypes] }));

  app.post('/webhook_endpoints', async (request) => {
    const b = body(createIn, request);
    return toWireEndpointWithSecret(await webhooks.create(request.caller, { name: b.name, url: b.url, eventTypes: b.event_types }));
  });

  app.get('/webhook_endpoints', async (request) => {
    const q = parseOrThrow(listQuery, request.query);
    return cursorPage(await webhooks.list({ tenant: request.caller, ...q }), q.limit, toWireEndpoint, true);
  });

  app.get<EndpointParams>('/webhook_endpoints/:id', async (request) => toWireEndpoint(await webhooks.get(request.caller, request.params.id)));

  app.post<EndpointParams>('/webhook_endpoints/:id', async (request) => {
    const b = body(updateIn, request);
    return toWireEndpoint(await webhooks.update(request.caller, request.params.id, { name: b.name, url: b.url, eventTypes: b.event_types }));
  });

  app.delete<EndpointParams>('/webhook_endpoints/:id', async (request) => toWireDeletedEndpoint(await webhooks.delete(request.caller, request.params.id)));

  app.post<EndpointParams>('/webhook_endpoints/:id/rotate_secret', async (request) => {
    const b = body(rotateIn, request);
    return toWireEndpointWithSecret(await webhooks.rotateSecret(request.caller, request.params.id, b.keep_old_secret_active_for_24_hours));
  });

  app.post<EndpointParams>('/webhook_endpoints/:id/test', async (request) => {
    const b = body(testIn, request);
    return toWireTestResult(request.params.id, await webhooks.test(request.caller, request.params.id, b.event_type));
  });

  app.get<EndpointParams>('/webhook_endpoints/:id/deliveries', async (request) => {
    const q = parseOrThrow(listQuery, request.query);
    return cursorPage(await webhooks.attempts(request.caller, request.params.id, q), q.limit, toWireAttempt, true);
  });
}
