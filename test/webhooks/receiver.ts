import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { UnwrapWebhookEvent } from 'openai/resources/webhooks/webhooks';

/** One request the receiver got, verified with the SDK's `webhooks.unwrap()`. */
export interface Received {
  webhookId: string;
  event: UnwrapWebhookEvent;
  /** `data.id`: the job, for fine-tuning events. */
  subject: string;
  /** What the receiver answered. */
  status: number;
  at: number;
}

/**
 * A webhook receiver as an application writes one: every request is checked
 * with the openai SDK's `client.webhooks.unwrap(body, headers, secret)`; one
 * that does not verify fails the test (kept in `rejected`). `failFirst` requests
 * are answered 500, the rest 200 (or whatever `answer` says).
 */
export class Receiver {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  failFirst = 0;
  answer: (() => number) | null = null;
  /** While true, requests are verified and kept in `held` but never answered (a receiver that hangs). */
  hang = false;
  readonly held: Received[] = [];
  private readonly verifier = new OpenAI({ apiKey: 'unused' });
  private server!: Server;
  url = '';

  constructor(public secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(Buffer.concat(chunks).toString('utf8'), req.headers).then((status) => status && res.writeHead(status).end()));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** Events that were answered 2xx, in order of receipt. */
  get accepted(): Received[] {
    return this.received.filter((r) => r.status < 300);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The status to answer; 0 for none (hanging). */
  private async handle(body: string, headers: IncomingHttpHeaders): Promise<number> {
    const at = Date.now();
    let event: UnwrapWebhookEvent;
    try {
      event = await this.verifier.webhooks.unwrap(body, headers as Record<string, string>, this.secret);
    } catch (err) {
      this.rejected.push(`${String(err)}: ${body}`);
      return 400;
    }
    const subject = 'id' in event.data ? String(event.data.id) : '';
    if (this.hang) {
      this.held.push({ webhookId: String(headers['webhook-id']), event, subject, status: 0, at });
      return 0;
    }
    const failing = this.received.length < this.failFirst;
    const status = failing ? 500 : (this.answer?.() ?? 200);
    this.received.push({ webhookId: String(headers['webhook-id']), event, subject, status, at });
    return status;
  }
}
