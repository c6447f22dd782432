import type { Socket } from 'node:net';

// HTTP that Node cannot parse (a body with neither a length nor chunked
// encoding, a malformed request line, headers past the size or time limit)
// never reaches a route, so neither dialect's renderer sees it: the request
// line may be unreadable and the dialect unknown. Such a request gets one body
// both SDKs read (OpenAI's `error` object and Mistral's `object: "error"`
// envelope side by side), and the connection closes, as it cannot be reused.

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

function statusOf(err: NodeJS.ErrnoException): number {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  return 400;
}

const MESSAGES: Record<number, string> = {
  400: 'The request is not valid HTTP (for example a body with neither Content-Length nor chunked encoding).',
  408: 'The request took too long to arrive (headers or body past the server\'s time limit).',
  431: 'The request\'s headers are larger than the server accepts.',
};

/** Fastify's `clientErrorHandler`: an answer in the API's error shape where the socket can still take one. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = statusOf(err);
  const error = { message: MESSAGES[status] ?? MESSAGES[400]!, type: 'invalid_request_error', param: null, code: 'invalid_request' };
  const body = JSON.stringify({ object: 'error', ...error, error });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
