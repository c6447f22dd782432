import type { TrainerEvent } from '../trainer-protocol.ts';
import { TrainerProcess } from './trainer-process.ts';

/**
 * Starts trainer processes. Importing torch and transformers costs a worker
 * seconds before it can train, so when work is on its way the launcher parks
 * one process that has done its imports (`train --standby`) and hands it the
 * next job's spec; without one it starts a process for the spec directly.
 */
const STANDBY_IDLE_MS = 10 * 60_000; // an unused standby gives its memory back after this

export class TrainerLauncher {
  private standby: TrainerProcess | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly python: string,
    private readonly trainerDir: string,
    private readonly keepStandby: boolean,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Makes sure a standby process is warming up (no-op when disabled or already there). */
  prewarm(): void {
    if (!this.keepStandby) return;
    if (!this.standby?.alive) this.standby = new TrainerProcess(this.python, this.trainerDir, ['--standby'], 1, this.env);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), STANDBY_IDLE_MS).unref();
  }

  /**
   * A job on `processes` processes (torchrun) starts fresh: the standby is a single process.
   * So does a job with secrets for its environment (`jobEnv`): the standby's was set before the job was known.
   */
  launch(specPath: string, onEvent: (e: TrainerEvent) => Promise<void>, processes = 1, jobEnv: Record<string, string> = {}): TrainerProcess {
    const parked = processes === 1 && Object.keys(jobEnv).length === 0 && this.standby?.alive ? this.standby : null;
    if (parked) this.standby = null;
    const trainer = parked ?? new TrainerProcess(this.python, this.trainerDir, ['--spec', specPath], processes, { ...this.env, ...jobEnv });
    if (parked) parked.send({ command: 'start', spec: specPath });
    trainer.attach(onEvent);
    return trainer;
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.standby?.kill(1000);
    this.standby = null;
  }
}
