import type { Kysely } from 'kysely';
import type { Store } from '../db/backend.ts';
import type { Database, WebhookAttemptRow, WebhookDeliveryRow } from '../db/schema.ts';
import { randomBase62 } from '../ids/ids.ts';

/** An event written to the outbox with the endpoints it is owed to. */
export interface OutboxEvent {
  id: string;
  orgId: string;
  projectId: string;
  type: string;
  subjectId: string;
  body: string;
  createdAt: number;
}

/** One request's outcome, for the delivery log. */
export type NewAttempt = Omit<WebhookAttemptRow, 'seq' | 'id'>;

/** What became of a claimed delivery after an attempt. */
export type DeliveryOutcome =
  | { status: 'succeeded' | 'failed'; finishedAt: number }
  | { status: 'pending'; nextAttemptAt: number };

export interface AttemptPage {
  endpointId: string;
  limit: number;
  /** Cursor: the last attempt of the previous page (newest first). */
  after?: string | undefined;
}

/** The outbox: events, the deliveries they owe, and every attempt made. */
export class DeliveriesRepository {
  constructor(private readonly store: Store) {}

  /** Writes an event and its deliveries in `db` (the terminal status change's transaction). */
  async insertEvent(db: Kysely<Database>, event: OutboxEvent, endpointIds: readonly string[]): Promise<void> {
    await db.insertInto('webhook_events').values({
      id: event.id, org_id: event.orgId, project_id: event.projectId, type: event.type, subject_id: event.subjectId, body: event.body, created_at: event.createdAt,
    }).execute();
    await db.insertInto('webhook_deliveries').values(endpointIds.map((endpointId) => ({
      id: `whd_${randomBase62(24)}`, event_id: event.id, endpoint_id: endpointId, status: 'pending', attempts: 0,
      next_attempt_at: event.createdAt, locked_by: null, lease_expires_at: null, last_status_code: null, last_error: null,
      created_at: event.createdAt, finished_at: null,
    }))).execute();
  }

  /**
   * Takes up to `limit` due deliveries for `owner` until `nowMs + leaseMs`:
   * pending, due, and held by nobody (or by a holder whose lease ran out).
   * See BackendProfile.claimNeedsSkipLocked: two replicas never take the same one.
   */
  async claimDue(owner: string, leaseMs: number, nowMs: number, limit: number): Promise<WebhookDeliveryRow[]> {
    const { db, profile } = this.store;
    return db.updateTable('webhook_deliveries')
      .set({ locked_by: owner, lease_expires_at: nowMs + leaseMs })
      .where('id', 'in', (eb) => {
        const due = eb.selectFrom('webhook_deliveries').select('id')
          .where('status', '=', 'pending').where('next_attempt_at', '<=', nowMs)
          .where((w) => w.or([w('locked_by', 'is', null), w('lease_expires_at', '<', nowMs)]))
          .orderBy('next_attempt_at', 'asc').limit(limit);
        return profile.claimNeedsSkipLocked ? due.forUpdate().skipLocked() : due;
      })
      .where('status', '=', 'pending')
      .returningAll()
      .execute();
  }

  /** With one sender per database (SQLite), holds of a previous, dead process are void at start. */
  async releaseOthers(owner: string): Promise<void> {
    await this.store.db.updateTable('webhook_deliveries').set({ locked_by: null, lease_expires_at: null })
      .where('status', '=', 'pending').where('locked_by', 'is not', null).where('locked_by', '!=', owner).execute();
  }

  /** When the next pending delivery falls due; null when none waits. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', '=', 'pending').executeTakeFirst();
    return row?.at == null ? null : Number(row.at);
  }

  event(id: string) {
    return this.store.db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Records the attempt and what follows from it, if the delivery is still ours (an endpoint deleted meanwhile took it away). */
  async finishAttempt(delivery: WebhookDeliveryRow, owner: string, attempt: NewAttempt, outcome: DeliveryOutcome): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('webhook_deliveries')
        .set({
          status: outcome.status, attempts: attempt.attempt, locked_by: null, lease_expires_at: null,
          last_status_code: attempt.status_code, last_error: attempt.error,
          ...(outcome.status === 'pending' ? { next_attempt_at: outcome.nextAttemptAt } : { finished_at: outcome.finishedAt }),
        })
        .where('id', '=', delivery.id).where('locked_by', '=', owner).executeTakeFirst();
      if (res.numUpdatedRows > 0n) await this.addAttempt(attempt, trx);
    });
  }

  async addAttempt(attempt: NewAttempt, db: Kysely<Database> = this.store.db): Promise<void> {
    await db.insertInto('webhook_attempts').values({ ...attempt, id: `wha_${randomBase62(24)}` }).execute();
  }

  /** Drops a delivery whose endpoint is gone. */
  async drop(id: string): Promise<void> {
    await this.store.db.deleteFrom('webhook_deliveries').where('id', '=', id).execute();
  }

  /** An endpoint's attempts, newest first; one more than `limit`. */
  async attempts(q: AttemptPage): Promise<WebhookAttemptRow[]> {
    const { db } = this.store;
    let query = db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', q.endpointId);
    if (q.after) {
      const cursor = await db.selectFrom('webhook_attempts').select('seq').where('endpoint_id', '=', q.endpointId).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) return [];
      query = query.where('seq', '<', cursor.seq);
    }
    return query.orderBy('seq', 'desc').limit(q.limit + 1).execute();
  }
}
