import type { WebhookCreateParams } from 'openai/resources/webhooks/webhooks';
import type { CliContext } from './cli-context.ts';
import { required, UsageError } from './files.command.ts';
import { formatTime, printObject, printRows } from './output.ts';

const USAGE = 'selftune webhooks create --name N --url U [--event-type T]... | list | get ID | update ID [--name N] [--url U] [--event-type T]... | delete ID | rotate-secret ID [--keep-old] | test ID [--event-type T] | deliveries ID [--limit N]';

type EventType = WebhookCreateParams['event_types'][number];
/** Without --event-type an endpoint gets every event selftune sends. */
const ALL_SENT: EventType[] = ['fine_tuning.job.succeeded', 'fine_tuning.job.failed', 'fine_tuning.job.cancelled'];

export interface WebhookFlags {
  name?: string | undefined;
  url?: string | undefined;
  'event-type'?: string[] | undefined;
  'keep-old'?: boolean | undefined;
  limit?: string | undefined;
}

interface Attempt {
  id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  test: boolean;
  started_at: number;
}

/** The project's webhook endpoints (client.webhooks) and their delivery log (selftune's extension). */
export async function webhooksCommand(ctx: CliContext, action: string | undefined, args: string[], flags: WebhookFlags) {
  const { webhooks } = ctx.client;
  const eventTypes = flags['event-type'] as EventType[] | undefined;
  switch (action) {
    case 'create': {
      const created = await webhooks.create({ name: required(flags.name, '--name'), url: required(flags.url, '--url'), event_types: eventTypes ?? ALL_SENT });
      printObject(ctx, { ...created });
      if (!ctx.json) ctx.err.write('The signing secret is shown this once; keep it now.\n');
      return;
    }
    case 'list': {
      const rows = [];
      for await (const endpoint of webhooks.list({ limit: 100 })) rows.push(endpoint);
      return printRows(ctx, rows, [
        ['ID', (e) => e.id],
        ['NAME', (e) => e.name],
        ['URL', (e) => e.url],
        ['EVENTS', (e) => e.event_types.join(',')],
        ['CREATED', (e) => formatTime(e.created_at)],
      ]);
    }
    case 'get':
      return printObject(ctx, { ...(await webhooks.retrieve(required(args[0], 'ENDPOINT_ID'))) });
    case 'update':
      return printObject(ctx, { ...(await webhooks.update(required(args[0], 'ENDPOINT_ID'), { name: flags.name, url: flags.url, event_types: eventTypes })) });
    case 'delete':
      return printObject(ctx, { ...(await webhooks.delete(required(args[0], 'ENDPOINT_ID'))) });
    case 'rotate-secret': {
      const rotated = await webhooks.rotateSecret(required(args[0], 'ENDPOINT_ID'), { keep_old_secret_active_for_24_hours: flags['keep-old'] ?? false });
      printObject(ctx, { ...rotated });
      if (!ctx.json) ctx.err.write('The new signing secret is shown this once; keep it now.\n');
      return;
    }
    case 'test':
      return printObject(ctx, { ...(await webhooks.test(required(args[0], 'ENDPOINT_ID'), { event_type: eventTypes?.[0] ?? 'fine_tuning.job.succeeded' })) });
    case 'deliveries': {
      const id = required(args[0], 'ENDPOINT_ID');
      const page = (await ctx.client.get(`/webhook_endpoints/${encodeURIComponent(id)}/deliveries`, { query: { limit: Number(flags.limit ?? 20) } })) as { data: Attempt[] };
      return printRows(ctx, page.data, [
        ['TIME', (a) => formatTime(a.started_at)],
        ['EVENT', (a) => (a.test ? `${a.event_id} (test)` : a.event_id)],
        ['TYPE', (a) => a.event_type],
        ['ATTEMPT', (a) => a.attempt],
        ['STATUS', (a) => a.status_code ?? '-'],
        ['ERROR', (a) => a.error ?? ''],
      ], page);
    }
    default:
      throw new UsageError(USAGE);
  }
}
