import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type Charge, unitsToUs, WINDOW_US } from './gcra.ts';

export type LimitKind = 'requests' | 'tokens';

/**
 * The GCRA limiters' state in the database, so that every replica on one
 * database counts against the same limit. One statement per check: an upsert
 * that moves the theoretical arrival time only when the request fits, and
 * returns it with the decision. In an UPDATE's SET both engines read the row's
 * old values, so `allowed` and `tat` are decided from the same state.
 */
export class RateLimitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async take(keyId: string, kind: LimitKind, perMinute: number, charge: Charge, nowUs: number): Promise<{ tat: number; allowed: number }> {
    const now = sql`CAST(${Math.round(nowUs)} AS BIGINT)`;
    const cost = sql`CAST(${unitsToUs(perMinute, charge.cost)} AS BIGINT)`;
    const need = unitsToUs(perMinute, charge.need);
    const base = sql`(CASE WHEN rate_limits.tat > ${now} THEN rate_limits.tat ELSE ${now} END)`;
    // need 0: a charge for what was already used always lands, even past the window (a debt the next requests wait out).
    const fits = need === 0 ? sql`1 = 1` : sql`${base} + CAST(${need} AS BIGINT) - ${now} <= CAST(${WINDOW_US} AS BIGINT)`;
    const { rows } = await sql<{ tat: number | string; allowed: number }>`
      INSERT INTO rate_limits (key_id, kind, tat, allowed) VALUES (${keyId}, ${kind}, ${now} + ${cost}, 1)
      ON CONFLICT (key_id, kind) DO UPDATE SET
        tat = CASE WHEN ${fits} THEN ${base} + ${cost} ELSE rate_limits.tat END,
        allowed = CASE WHEN ${fits} THEN 1 ELSE 0 END
      RETURNING tat, allowed`.execute(this.db);
    const row = rows[0]!;
    return { tat: Number(row.tat), allowed: Number(row.allowed) };
  }
}
