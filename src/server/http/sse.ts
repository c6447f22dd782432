import type { FastifyReply, FastifyRequest } from 'fastify';

/** Takes the reply over for server-sent events; `onClose` runs if the client goes away first. */
export function openSse(request: FastifyRequest, reply: FastifyReply, onClose: () => void) {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': request.id });
  let finished = false;
  raw.on('close', () => {
    if (!finished) onClose();
  });
  return {
    send: (payload: unknown) => raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`),
    end: () => {
      finished = true;
      raw.end();
    },
  };
}
