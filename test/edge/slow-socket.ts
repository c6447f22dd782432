import { connect, type Socket } from 'node:net';

// A client that writes what it likes, when it likes, on a raw TCP connection:
// the slow, stalled and lying clients an HTTP library would never imitate.

export interface RawConnection {
  socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  /** Resolves once the server has closed the connection (or it broke). */
  closed: Promise<void>;
  write(data: string | Buffer): void;
  /** Writes `data` one chunk of `chunkBytes` every `everyMs` until it is all sent or the connection closes. */
  trickle(data: string | Buffer, chunkBytes: number, everyMs: number): Promise<void>;
}

export function openRaw(baseUrl: string): Promise<RawConnection> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    let isClosed = false;
    const closed = new Promise<void>((done) => socket.once('close', () => ((isClosed = true), done())));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {}); // a reset by the server is what several tests expect
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks).toString('utf8'),
        closed,
        write: (data) => void (isClosed || socket.write(data)),
        trickle: async (data, chunkBytes, everyMs) => {
          const bytes = Buffer.from(data);
          for (let at = 0; at < bytes.length && !isClosed; at += chunkBytes) {
            socket.write(bytes.subarray(at, at + chunkBytes));
            await new Promise((r) => setTimeout(r, everyMs));
          }
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** The request line and headers of an upload whose body is `declaredBytes` long. */
export function uploadHead(path: string, declaredBytes: number, boundary = 'slowBoundary') {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-key\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${declaredBytes}\r\n\r\n`;
}

/** The start of a multipart body: a purpose field and the head of a file part (its content follows). */
export function filePartHead(boundary = 'slowBoundary') {
  return `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n`;
}

/** `promise`, or a rejection naming `what` once `ms` have passed (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting for ${what} after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
