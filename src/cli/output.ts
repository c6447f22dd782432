import type { CliContext } from './cli-context.ts';

const when = (s: number | null | undefined) => (s ? new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19) : '-');
export const formatTime = when;

/** Prints `value` as JSON with --json, else as an aligned table of `columns`. */
export function printRows<T>(ctx: CliContext, rows: T[], columns: Array<[string, (row: T) => unknown]>, value: unknown = rows) {
  if (ctx.json) return void ctx.out.write(`${JSON.stringify(value, null, 2)}\n`);
  const cells = rows.map((r) => columns.map(([, get]) => String(get(r) ?? '-')));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (parts: string[]) => parts.map((p, i) => p.padEnd(widths[i]!)).join('  ').trimEnd();
  ctx.out.write(`${[line(columns.map(([h]) => h)), ...cells.map(line)].join('\n')}\n`);
}

/** Prints one object: JSON with --json, else `key: value` lines. */
export function printObject(ctx: CliContext, value: Record<string, unknown>) {
  if (ctx.json) return void ctx.out.write(`${JSON.stringify(value, null, 2)}\n`);
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) {
    const text = v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
    ctx.out.write(`${k.padEnd(width)}  ${text}\n`);
  }
}
