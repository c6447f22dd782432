import type { Kysely } from 'kysely';
import type { Store } from '../db/backend.ts';
import type { Database, JobRow } from '../db/schema.ts';

// The job queue is the jobs table itself: a job is claimed by writing our
// owner id and a lease deadline onto it, and kept by renewing the lease.
// A job whose lease ran out belongs to nobody and is recovered by the sweeper.

/** Claims the oldest unclaimed job in `status` (FIFO by queue time). */
export async function claimNext(store: Store, status: string, owner: string, leaseMs: number, nowMs: number): Promise<JobRow | undefined> {
  return store.db
    .updateTable('jobs')
    .set({ locked_by: owner, lease_expires_at: nowMs + leaseMs })
    .where('id', '=', (eb) => {
      const oldest = eb
        .selectFrom('jobs')
        .select('id')
        .where('status', '=', status)
        .where('locked_by', 'is', null)
        .orderBy('queued_at', 'asc')
        .orderBy('created_at', 'asc')
        .limit(1);
      // See BackendProfile.claimNeedsSkipLocked.
      return store.profile.claimNeedsSkipLocked ? oldest.forUpdate().skipLocked() : oldest;
    })
    .where('locked_by', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Extends our lease; returns the job's status and control request, or undefined if the lease is no longer ours. */
export async function renewLease(db: Kysely<Database>, jobId: string, owner: string, leaseMs: number, nowMs: number) {
  return db
    .updateTable('jobs')
    .set({ lease_expires_at: nowMs + leaseMs })
    .where('id', '=', jobId)
    .where('locked_by', '=', owner)
    .returning(['status', 'control'])
    .executeTakeFirst();
}

export async function releaseLease(db: Kysely<Database>, jobId: string, owner: string): Promise<void> {
  await db.updateTable('jobs').set({ locked_by: null, lease_expires_at: null }).where('id', '=', jobId).where('locked_by', '=', owner).execute();
}

/** Jobs in `statuses` whose lease has run out, or that are held by an owner known to be dead. */
export function findAbandoned(db: Kysely<Database>, statuses: readonly string[], nowMs: number, liveOwner: string | null): Promise<JobRow[]> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('status', 'in', statuses)
    .where((eb) => {
      const expired = eb.or([eb('lease_expires_at', '<', nowMs), eb('locked_by', 'is', null)]);
      // With a single scheduler per data directory, any other owner is a previous, dead process.
      return liveOwner ? eb.or([expired, eb('locked_by', '!=', liveOwner)]) : expired;
    })
    .execute();
}

/**
 * Takes an abandoned job as it was read (same status, holder and lease deadline): of several
 * schedulers that found it at once, exactly one goes on to recover it; the others see false.
 */
export async function takeAbandoned(db: Kysely<Database>, row: JobRow, owner: string, leaseMs: number, nowMs: number): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({ locked_by: owner, lease_expires_at: nowMs + leaseMs })
    .where('id', '=', row.id)
    .where('status', '=', row.status)
    .where((eb) => (row.locked_by === null ? eb('locked_by', 'is', null) : eb('locked_by', '=', row.locked_by)))
    .where((eb) => (row.lease_expires_at === null ? eb('lease_expires_at', 'is', null) : eb('lease_expires_at', '=', row.lease_expires_at)))
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** Whether some job in `status` waits for a claim. */
export async function hasUnclaimed(db: Kysely<Database>, status: string): Promise<boolean> {
  const row = await db.selectFrom('jobs').select('id').where('status', '=', status).where('locked_by', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}
