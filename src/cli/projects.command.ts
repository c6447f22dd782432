import { adminClient, type CliContext } from './cli-context.ts';
import { required, UsageError } from './files.command.ts';
import { formatTime, printObject, printRows } from './output.ts';

const USAGE = 'selftune projects create NAME | list [--all] | get ID | archive ID';

/** Projects of the admin key's organization (OpenAI's Admin API). */
export async function projectsCommand(ctx: CliContext, action: string | undefined, args: string[], flags: { all?: boolean | undefined }) {
  const projects = adminClient(ctx).admin.organization.projects;
  switch (action) {
    case 'create':
      return printObject(ctx, { ...(await projects.create({ name: required(args[0], 'NAME') })) });
    case 'list': {
      const rows = [];
      for await (const project of projects.list({ include_archived: flags.all ?? false, limit: 100 })) rows.push(project);
      return printRows(ctx, rows, [
        ['ID', (p) => p.id],
        ['NAME', (p) => p.name],
        ['STATUS', (p) => p.status],
        ['CREATED', (p) => formatTime(p.created_at)],
      ]);
    }
    case 'get':
      return printObject(ctx, { ...(await projects.retrieve(required(args[0], 'PROJECT_ID'))) });
    case 'archive':
      return printObject(ctx, { ...(await projects.archive(required(args[0], 'PROJECT_ID'))) });
    default:
      throw new UsageError(USAGE);
  }
}

interface CreatedOrganization {
  id: string;
  name: string;
  default_project_id: string;
  admin_key: { id: string; value: string };
}

/** Organizations (selftune's extension): the deployment admin makes one with its default project and first admin key. */
export async function orgsCommand(ctx: CliContext, action: string | undefined, args: string[]) {
  const client = adminClient(ctx);
  switch (action) {
    case 'create': {
      const org = (await client.post('/organizations', { body: { name: required(args[0], 'NAME') } })) as CreatedOrganization;
      if (ctx.json) return printObject(ctx, { ...org });
      printObject(ctx, { id: org.id, name: org.name, default_project_id: org.default_project_id, admin_key_id: org.admin_key.id, admin_key: org.admin_key.value });
      return void ctx.err.write('The admin key is shown this once; keep it now.\n');
    }
    case 'list': {
      const page = (await client.get('/organizations', { query: { limit: 100 } })) as { data: Array<{ id: string; name: string; default_project_id: string; created_at: number }> };
      return printRows(ctx, page.data, [
        ['ID', (o) => o.id],
        ['NAME', (o) => o.name],
        ['DEFAULT PROJECT', (o) => o.default_project_id],
        ['CREATED', (o) => formatTime(o.created_at)],
      ]);
    }
    default:
      throw new UsageError('selftune orgs create NAME | list');
  }
}
