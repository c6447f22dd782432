import { EventEmitter } from 'node:events';

// In-process nudges, so work happens at once instead of on the next poll.
// The database stays the source of truth: every signal is also a row change,
// so a scheduler in another process (or after a restart) acts on it too.
interface SignalMap {
  /** Something may be ready to validate or run. */
  wake: [];
  /** A running job was asked to pause or cancel. */
  control: [jobId: string];
  /** A job changed; watchers (dashboard streams) may refresh. */
  changed: [jobId: string];
}

export class JobSignals extends EventEmitter<SignalMap> {}
