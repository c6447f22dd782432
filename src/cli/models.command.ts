import type { CliContext } from './cli-context.ts';
import { required, UsageError } from './files.command.ts';
import { exportModel } from './model-export.ts';
import { pullModel } from './model-pull.ts';
import { formatTime, printObject, printRows } from './output.ts';

export interface ModelsFlags {
  all?: boolean | undefined;
  revision?: string | undefined;
  'include-pattern'?: string[] | undefined;
  out?: string | undefined;
  merged?: boolean | undefined;
  off?: boolean | undefined;
}

type ListedModel = { id: string; owned_by: string; created: number; selftune_unusable_reason?: string };

export async function modelsCommand(ctx: CliContext, action: string | undefined, args: string[], flags: ModelsFlags = {}) {
  switch (action) {
    case 'list': {
      // --all: the selftune extension that also lists unusable folders of the models directory, with why.
      const page = await ctx.client.models.list(flags.all ? { query: { include_unusable: true } } : undefined);
      const models = page.data as ListedModel[];
      return printRows(ctx, models, [
        ['ID', (m) => m.id],
        ['OWNED BY', (m) => m.owned_by],
        ['CREATED', (m) => formatTime(m.created)],
        ...(flags.all ? [['UNUSABLE BECAUSE', (m: ListedModel) => m.selftune_unusable_reason ?? '']] as Array<[string, (m: ListedModel) => unknown]> : []),
      ]);
    }
    case 'get':
      return printObject(ctx, { ...(await ctx.client.models.retrieve(required(args[0], 'MODEL'))) });
    case 'delete':
      return printObject(ctx, { ...(await ctx.client.models.delete(required(args[0], 'MODEL'))) });
    case 'pull':
      return pullModel(ctx, required(args[0], 'ORG/NAME'), { revision: flags.revision, includePatterns: flags['include-pattern'] ?? [] });
    case 'share': {
      // --off takes the model back: the organization's other projects no longer see it.
      const model = required(args[0], 'MODEL');
      return printObject(ctx, await ctx.client.post<Record<string, unknown>>(`/models/${encodeURIComponent(model)}/sharing`, { body: { organization: !flags.off } }));
    }
    case 'export':
      return exportModel(ctx, required(args[0], 'MODEL'), required(flags.out, '--out DIR'), flags.merged ?? false);
    default:
      throw new UsageError('selftune models list [--all] | get MODEL | delete MODEL | pull ORG/NAME [--revision R] [--include-pattern GLOB…] | export MODEL --out DIR [--merged] | share MODEL [--off]');
  }
}
