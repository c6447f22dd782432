import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks signing, as the openai SDK's `webhooks.unwrap()` verifies it:
// HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the
// base64-decoded part of the `whsec_…` secret, sent as `v1,<base64>`. Several
// secrets (during a rotation that keeps the old one) give several signatures,
// space-separated; a receiver accepts any that matches.

const PREFIX = 'whsec_';
/** `whsec_` and base64 of at least 16 bytes. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/;

/** A fresh secret: 32 random bytes. */
export const newWebhookSecret = (): string => PREFIX + randomBytes(32).toString('base64');

/** What lists show instead of the secret. */
export const secretHint = (secret: string): string => `${PREFIX}…${secret.slice(-4)}`;

export function signature(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The headers of one request: `webhook-id` is the event's id on every attempt, so receivers can drop a repeat. */
export function signedHeaders(secrets: readonly string[], webhookId: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'selftune-webhooks/1',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signature(s, webhookId, timestampSeconds, body)).join(' '),
  };
}
