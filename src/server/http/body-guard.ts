import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appError } from '../../errors/app-error.ts';

/** Room for a multipart body's boundaries, part headers and form fields around the file itself. */
export const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export interface BodyLimits {
  /** Largest JSON (or other non-multipart) body. */
  bodyLimitBytes: number;
  /** Largest uploaded file (SELFTUNE_MAX_UPLOAD_BYTES); a multipart body may be this plus the overhead. */
  maxUploadBytes: number;
  /** A body that sends no byte for this long is cut (SELFTUNE_BODY_IDLE_TIMEOUT_SECONDS). */
  bodyIdleMs: number;
}

/** Node's own clocks for a request's arrival (the Fastify/http server options they belong in). */
export function serverTimeouts(headersTimeoutSeconds: number, uploadTimeoutSeconds: number) {
  const headersTimeout = headersTimeoutSeconds * 1000;
  // Node refuses a whole-request limit below the headers' one.
  const requestTimeout = Math.max(uploadTimeoutSeconds * 1000, headersTimeout);
  // How often Node looks for requests past those limits (its default, 30 s, would let them run that much longer).
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, headersTimeout / 4));
  return { requestTimeout, http: { headersTimeout, requestTimeout, connectionsCheckingInterval } };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's own upload limit: an upload's parts may each be larger than a whole single-request file. */
    maxFileBytes?: number;
  }
}

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');

/**
 * What a request body may cost before a route sees it. A declared length over
 * what any route of its kind accepts is refused at once (413 in the dialect's
 * shape, connection closed, nothing read). While a body arrives its socket has
 * an idle limit, lifted once the body has been read, so responses that stream
 * for long (SSE, downloads) and keep-alive waits keep their own rules.
 */
export function guardBodies(app: FastifyInstance, limits: BodyLimits): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!hasBody(request)) return;
    const declared = Number(request.headers['content-length'] ?? 0);
    const multipart = /^multipart\//i.test(request.headers['content-type'] ?? '');
    const maxFileBytes = request.routeOptions.config?.maxFileBytes ?? limits.maxUploadBytes;
    const limit = multipart ? maxFileBytes + MULTIPART_OVERHEAD_BYTES : limits.bodyLimitBytes;
    if (declared > limit) {
      void reply.header('connection', 'close'); // the body is never read: the connection cannot carry another request
      throw multipart
        ? appError('file_too_large', `The request declares ${declared} bytes; uploads are limited to ${maxFileBytes} bytes.`, 'file')
        : appError('request_too_large', `The request declares ${declared} bytes; the limit is ${limits.bodyLimitBytes} bytes.`);
    }
    const { socket } = request.raw;
    // No callback: Node's server destroys a socket whose timeout nobody handles, which ends the body's stream with an error.
    socket.setTimeout(limits.bodyIdleMs);
    const lift = () => socket.setTimeout(0);
    request.raw.once('end', lift);
    request.raw.once('close', lift);
  });
}
