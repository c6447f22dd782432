import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

// Cheap polling: a read answers with a weak ETag made from its resource's
// version (a few columns, read before the answer is built) and the request's
// path and query, which carry the dialect and the page. A poller that sends it
// back in If-None-Match gets a bodiless 304 while nothing changed, without the
// answer ever being built. Answers differ by key (tenancy), so caches keep one
// per Authorization and must ask again each time.

/** Bumped when the wire shape of a cached answer changes, so old tags stop matching after an upgrade. */
const WIRE_FORMAT = 1;

const tagOf = (request: FastifyRequest, version: string): string =>
  `W/"${createHash('sha1').update(`${WIRE_FORMAT}\n${request.caller.projectId}\n${request.url}\n${version}`).digest('base64url').slice(0, 22)}"`;

/** If-None-Match lists tags (or `*`), weak or strong; a weak comparison is what a GET revalidation uses. */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  const bare = tag.slice(2);
  return header.split(',').some((t) => {
    const sent = t.trim();
    return sent === '*' || sent.replace(/^W\//, '') === bare;
  });
}

/**
 * Sets the answer's ETag and caching headers; true when the client's copy is
 * current, the reply then being a 304 to send as is. `version` undefined (no
 * such resource for this caller) leaves the route to answer as usual.
 */
export function notModified(request: FastifyRequest, reply: FastifyReply, version: string | undefined): boolean {
  if (version === undefined) return false;
  const tag = tagOf(request, version);
  void reply.header('etag', tag).header('cache-control', 'private, no-cache').header('vary', 'Authorization, OpenAI-Project');
  if (!matches(request.headers['if-none-match'], tag)) return false;
  void reply.code(304);
  return true;
}
