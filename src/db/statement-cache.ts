import type { Database as Sqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

// Kysely's SQLite driver prepares every query's statement anew, which was the
// largest single cost of a cached job read (a seventh of its CPU time): the
// same few hundred SQL texts are prepared again on every request. Statements
// are kept per SQL text here instead, as better-sqlite3 recommends. A kept
// statement that is busy (an iteration still open) is never handed out twice:
// a fresh one is prepared for that call.

/** Distinct SQL texts kept; queries with variable-length IN lists make new texts, so the oldest are dropped. */
const MAX_STATEMENTS = 1000;

export function withStatementCache(sqlite: Sqlite, max = MAX_STATEMENTS): SqliteDatabase {
  const kept = new Map<string, Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = kept.get(sql);
      if (hit && !hit.busy) return hit;
      const statement = sqlite.prepare(sql);
      if (hit) return statement;
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
      kept.set(sql, statement);
      return statement;
    },
  };
}
