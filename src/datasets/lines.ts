// Streaming JSONL line reader. Works on bytes rather than on `node:readline`
// because readline (1) buffers a line of any length, so one 300 MB line would
// sit in memory, and (2) silently turns invalid UTF-8 into U+FFFD, so binary
// uploads could not be told apart from text. Here memory stays bounded by
// `maxLineBytes` plus one 64 KiB read chunk, whatever the file size.
import { createReadStream } from 'node:fs';

/** Lines longer than this are reported, not parsed (OpenAI examples cap out far below). */
export const MAX_LINE_BYTES = 2 * 1024 * 1024;

export type LineFault = 'nul_byte' | 'invalid_utf8' | 'too_long';

export interface RawLine {
  /** 1-based line number in the file, counting blank lines. */
  line: number;
  /** Decoded text without the line ending; null when `fault` is set. */
  text: string | null;
  fault: LineFault | null;
  /** First characters of the line (lossy decode), for hints on faulty lines. */
  head: string;
}

const BOM = [0xef, 0xbb, 0xbf];
const HEAD_BYTES = 64;

/** Yields every non-blank line. Blank (whitespace-only) lines are skipped. */
export async function* readLines(path: string, opts: { maxLineBytes?: number } = {}): AsyncGenerator<RawLine> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let size = 0;
  let lineNo = 1;
  let nul = false;
  let over = false;
  let badUtf8 = false;
  let head: Buffer = Buffer.alloc(0);
  // Oversized lines are not kept; this decoder still checks their bytes are UTF-8.
  let overflow: TextDecoder | null = null;

  const append = (seg: Buffer): void => {
    if (seg.length === 0) return;
    if (!nul && seg.includes(0)) nul = true;
    if (!over && size + seg.length <= max) {
      parts.push(seg);
      size += seg.length;
      return;
    }
    if (!over) {
      over = true;
      head = Buffer.concat([...parts, seg.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES);
      overflow = new TextDecoder('utf-8', { fatal: true });
      for (const p of parts) feedOverflow(p);
      parts = [];
    }
    feedOverflow(seg);
  };
  const feedOverflow = (seg: Buffer): void => {
    if (badUtf8 || !overflow) return;
    try {
      overflow.decode(seg, { stream: true });
    } catch {
      badUtf8 = true;
    }
  };

  const finish = (): RawLine | null => {
    const line = lineNo++;
    let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (!over) head = buf.subarray(0, HEAD_BYTES);
    if (over) finalizeOverflow();
    const fault: LineFault | null = nul ? 'nul_byte' : badUtf8 ? 'invalid_utf8' : over ? 'too_long' : null;
    const headText = stripBom(head, line).toString('utf8');
    parts = [];
    size = 0;
    nul = over = badUtf8 = false;
    overflow = null;
    if (fault) return { line, text: null, fault, head: headText };
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1); // CRLF
    buf = stripBom(buf, line);
    let text: string;
    try {
      text = utf8.decode(buf);
    } catch {
      return { line, text: null, fault: 'invalid_utf8', head: headText };
    }
    if (text.trim() === '') return null;
    return { line, text, fault: null, head: headText };
  };
  const finalizeOverflow = (): void => {
    if (badUtf8 || !overflow) return;
    try {
      overflow.decode(); // flush: a multi-byte sequence cut off at the line end throws
    } catch {
      badUtf8 = true;
    }
  };

  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  let pending = false; // bytes seen since the last newline
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      append(chunk.subarray(start, end));
      pending = true;
      if (nl === -1) break;
      pending = false;
      const rec = finish();
      if (rec) yield rec;
      start = nl + 1;
    }
  }
  if (pending) {
    const rec = finish();
    if (rec) yield rec;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function stripBom(buf: Buffer, line: number): Buffer {
  return line === 1 && buf.length >= 3 && BOM.every((b, i) => buf[i] === b) ? buf.subarray(3) : buf;
}
