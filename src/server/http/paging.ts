import { z } from 'zod';

/**
 * The largest page number a page-numbered list accepts. `page × page_size`
 * becomes a SQL OFFSET, which must stay an exact integer in JavaScript and a
 * bigint in Postgres; past this a list is empty anyway, so a larger page is refused (400/422).
 */
export const MAX_PAGE = 1_000_000_000;

/** `page` (0-based) and `page_size`, as Mistral's page-numbered lists take them. */
export const pageQuery = (defaultSize: number, maxSize: number) => ({
  page: z.coerce.number().int().min(0).max(MAX_PAGE).default(0),
  page_size: z.coerce.number().int().min(1).max(maxSize).default(defaultSize),
});
