import { adminClient, type CliContext } from './cli-context.ts';
import { required, UsageError } from './files.command.ts';
import { formatTime, printObject, printRows } from './output.ts';

const USAGE = 'selftune keys create --project ID [--name N] [--role member|owner|reader] | list --project ID | revoke KEY_ID --project ID';
const ROLES = ['member', 'owner', 'reader'];

interface KeyFlags {
  project?: string | undefined;
  name?: string | undefined;
  role?: string | undefined;
}

/**
 * Project keys. A key belongs to a service account (OpenAI's model): `create`
 * makes an account named --name with its first key and prints the key once.
 */
export async function keysCommand(ctx: CliContext, action: string | undefined, args: string[], flags: KeyFlags) {
  const projects = adminClient(ctx).admin.organization.projects;
  const project = () => {
    if (!flags.project) throw new UsageError('missing --project ID');
    return flags.project;
  };
  switch (action) {
    case 'create': {
      const role = flags.role ?? 'member';
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      // `role` is selftune's extension field (OpenAI's create takes only a name).
      const params = { name: flags.name ?? 'cli key', role } as { name: string };
      const account = await projects.serviceAccounts.create(project(), params);
      if (ctx.json) return printObject(ctx, { ...account });
      printObject(ctx, { key_id: account.api_key?.id, service_account: account.id, role: account.role, key: account.api_key?.value });
      return void ctx.err.write('The key is shown this once; keep it now.\n');
    }
    case 'list': {
      const rows = [];
      for await (const key of projects.apiKeys.list(project(), { limit: 100 })) rows.push(key);
      return printRows(ctx, rows, [
        ['ID', (k) => k.id],
        ['KEY', (k) => k.redacted_value],
        ['NAME', (k) => k.owner.service_account?.name ?? k.name],
        ['ROLE', (k) => k.owner.service_account?.role],
        ['CREATED', (k) => formatTime(k.created_at)],
        ['LAST USED', (k) => formatTime(k.last_used_at)],
      ]);
    }
    case 'revoke':
      return printObject(ctx, { ...(await projects.apiKeys.delete(required(args[0], 'KEY_ID'), { project_id: project() })) });
    default:
      throw new UsageError(USAGE);
  }
}
