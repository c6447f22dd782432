import type { CliContext } from './cli-context.ts';
import { required, UsageError } from './files.command.ts';
import { formatTime, printObject, printRows } from './output.ts';

export async function modelsCommand(ctx: CliContext, action: string | undefined, args: string[]) {
  switch (action) {
    case 'list': {
      const page = await ctx.client.models.list();
      return printRows(ctx, page.data, [
        ['ID', (m) => m.id],
        ['OWNED BY', (m) => m.owned_by],
        ['CREATED', (m) => formatTime(m.created)],
      ]);
    }
    case 'get':
      return printObject(ctx, { ...(await ctx.client.models.retrieve(required(args[0], 'MODEL'))) });
    case 'delete':
      return printObject(ctx, { ...(await ctx.client.models.delete(required(args[0], 'MODEL'))) });
    default:
      throw new UsageError('selftune models list | get MODEL | delete MODEL');
  }
}
