import type { Config } from '../config/config.ts';
import type { Store } from '../db/backend.ts';
import type { Clock } from '../ids/clock.ts';
import type { Logger } from '../logging/logger.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { DeliveriesRepository } from './deliveries.repository.ts';
import { DeliveryLoop } from './delivery-loop.ts';
import { EndpointsRepository } from './endpoints.repository.ts';
import { WebhookEndpoints } from './endpoints.service.ts';
import { Outbox } from './outbox.ts';
import { postWebhook } from './sender.ts';

export interface Webhooks {
  /** The projects' endpoints, for the routes. */
  endpoints: WebhookEndpoints;
  /** Written with every terminal job status change (JobsService.terminalHook). */
  outbox: Outbox;
  /** Sends the outbox; started with the server, stopped before its store closes. */
  loop: DeliveryLoop;
}

/** The webhooks feature over one store: endpoints, the outbox and its delivery loop. */
export function buildWebhooks(config: Config, store: Store, secrets: SecretBox, clock: Clock, log: Logger, owner: string): Webhooks {
  const endpointsRepo = new EndpointsRepository(store.db, secrets);
  const deliveries = new DeliveriesRepository(store);
  const timeoutMs = config.webhookTimeoutSeconds * 1000;
  const deployment = config.webhookUrl && config.webhookSecret ? { url: config.webhookUrl, secrets: [config.webhookSecret] } : null;
  const loop = new DeliveryLoop(deliveries, endpointsRepo, postWebhook, clock, log, {
    owner, timeoutMs, deployment, soleSender: store.profile.soleScheduler, schedule: { baseMs: config.webhookRetryBaseSeconds * 1000 },
  });
  return {
    endpoints: new WebhookEndpoints(endpointsRepo, deliveries, postWebhook, clock, timeoutMs),
    outbox: new Outbox(endpointsRepo, deliveries, deployment !== null, loop.wake),
    loop,
  };
}
