import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for vLLM with --enable-lora: records adapter loads and chat
// requests, and answers every chat with "echo <model>" one word per chunk.

export interface FakeServer {
  url: string;
  calls: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const readJson = async (req: IncomingMessage) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text || '{}') as Record<string, unknown>;
};

export async function startFakeOpenAiServer(): Promise<FakeServer> {
  const calls: FakeServer['calls'] = [];
  const server = createServer(async (req, res) => {
    const body = await readJson(req);
    calls.push({ path: req.url!, body });
    if (req.url !== '/v1/chat/completions') return res.writeHead(200, { 'content-type': 'text/plain' }).end('Success');
    const words = ['echo ', String(body.model)]; // selftune always asks for a stream
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const word of words) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
