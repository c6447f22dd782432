import { z } from 'zod';

/** `limit` and `after` as OpenAI's cursor lists take them. */
export const cursorQuery = (defaultLimit: number, maxLimit: number) =>
  z.object({
    after: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  });

/** Repositories return one row more than asked; that extra row is what `has_more` means. */
export function cursorPage<Row, Wire extends { id: string }>(rows: Row[], limit: number, map: (r: Row) => Wire, withIds: boolean) {
  const data = rows.slice(0, limit).map(map);
  const page = { object: 'list' as const, data, has_more: rows.length > limit };
  if (!withIds) return page;
  return { ...page, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
