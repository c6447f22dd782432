import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PythonToolOptions, runPythonTool } from '../jobs/python-tool.ts';
import type { DeviceMemory } from './memory-estimate.ts';

/** What `python -m selftune_trainer probe-device` measured, plus what finished jobs taught since. */
export interface DeviceProfile {
  device: 'cpu' | 'cuda';
  name: string;
  count: number;
  memory_bytes: number;
  runtime_baseline_bytes: number;
  bf16: boolean;
  dtype: string;
  threads: number | null;
  torch: string;
  startup_seconds: number | null;
  reference: ProbeRun;
  overhead_reference: ProbeRun;
  /** Training FLOP/s the reference model reached (full fine-tuning), its steps' fixed cost taken out. */
  flops_per_second: number;
  /** A step's fixed cost per layer (operator dispatch, optimizer), which dominates small models' steps. */
  layer_step_seconds: number;
  measured_at: number;
  /** Refined figures by kind of job (see `jobKind`). */
  jobs: Record<string, KindFigures>;
}

/** One timed run of the probe: a seeded Llama's optimizer steps. */
interface ProbeRun {
  parameters: number;
  seq_len: number;
  steps: number;
  seconds: number;
  seconds_per_step: number;
  tokens_per_second: number;
  flops_per_token: number;
}

/** What finished jobs of one kind achieved on this device. */
export interface KindFigures {
  flops_per_second: number;
  /** Wall time a running trainer spends outside training steps: evaluations, checkpoint saves, the final save. */
  overhead_seconds: number;
  /**
   * The quickest start seen (claimed until the trainer reports it started: model and data load). The
   * quickest, because a slow start is mostly a trainer still importing its libraries, which the
   * standby trainer usually hides, not something the next job will pay.
   */
  start_seconds: number;
  jobs: number;
  last_job: string;
}

export interface Throughput {
  flopsPerSecond: number;
  overheadSeconds: number;
  /** Fixed cost per step and layer; 0 when the figure comes from finished jobs (their FLOP/s includes it). */
  layerStepSeconds: number;
  /** The job whose measurement the figure comes from (the newest), or null for the device probe. */
  measuredBy: string | null;
}

/**
 * Jobs are grouped by task, method and size (powers of ten of parameters): a
 * small model reaches a smaller share of the device's FLOP/s than a large one,
 * and LoRA a different share than full fine-tuning, so each kind keeps its own figure.
 */
export const jobKind = (task: string, mode: string, parameters: number) => `${task}/${mode}/1e${Math.floor(Math.log10(Math.max(parameters, 1)))}`;

/** New measurements count half: one run on a busy machine moves the figure, but does not replace it. */
const BLEND = 0.5;
/**
 * A first job's time outside training steps (start, model and data load, checkpoint saves) before
 * any job of its kind has been timed: at least a second (the demo model on a quiet machine), and
 * more on a busy one, where it is Python- and file-bound work slowed like a step's fixed cost: 650
 * per-layer step costs (1 s at the ~1.5 ms the demo model's 7,600 tokens/s on a quiet machine implies;
 * about 5-6 s at the 7-10 ms the probe measured with ten runnable processes per core, where the demo
 * job spent 7-9 s outside its steps; bench/RESULTS.md).
 */
const PRIOR_OVERHEAD_SECONDS = 1;
const PRIOR_OVERHEAD_LAYER_STEPS = 650;
/** Disk speed assumed for loading and checkpointing weights before a job has been timed. */
const PRIOR_DISK_BYTES_PER_SECOND = 200e6;

export interface DeviceProfileOptions extends PythonToolOptions {
  dataDir: string;
  /** SELFTUNE_DEVICE_MEMORY_BYTES: plan for this much memory instead of the measured figure. */
  memoryOverride: number | null;
  /** SELFTUNE_DEVICE_PROFILE: a profile measured elsewhere on this device, used instead of a probe when the data directory has none. */
  seedPath: string | null;
  nowMs: () => number;
}

/** The device profile: measured once per data directory (`device-profile.json`), then refined by every finished job. */
export class DeviceProfiles {
  private loaded: Promise<DeviceProfile> | null = null;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DeviceProfileOptions) {}

  get path(): string {
    return join(this.opts.dataDir, 'device-profile.json');
  }

  /** The cached profile, or a measurement now (once: concurrent callers share it). */
  get(): Promise<DeviceProfile> {
    this.loaded ??= this.readOrProbe();
    this.loaded.catch(() => (this.loaded = null)); // a failed probe is tried again next time
    return this.loaded;
  }

  /** Measure in the background if nothing is cached yet (work is on its way). */
  warm(): void {
    this.get().catch(() => {}); // not lost: the next get() probes again and its caller reports the failure
  }

  async memory(): Promise<DeviceMemory> {
    const p = await this.get();
    return { kind: p.device, memoryBytes: this.opts.memoryOverride ?? p.memory_bytes, baselineBytes: p.runtime_baseline_bytes, bf16: p.bf16 };
  }

  /** The FLOP/s and overhead to expect for a kind of job: its refined figure, else the probe's. */
  async throughput(kind: string, weightBytes: number, saves: number): Promise<Throughput> {
    const p = await this.get();
    const known = p.jobs[kind];
    if (known) return { flopsPerSecond: known.flops_per_second, overheadSeconds: known.start_seconds + known.overhead_seconds, layerStepSeconds: 0, measuredBy: known.last_job };
    const io = (weightBytes * (1 + 3 * saves)) / PRIOR_DISK_BYTES_PER_SECOND;
    const fixed = Math.max(PRIOR_OVERHEAD_SECONDS, PRIOR_OVERHEAD_LAYER_STEPS * p.layer_step_seconds);
    return { flopsPerSecond: p.flops_per_second, overheadSeconds: fixed + io, layerStepSeconds: p.layer_step_seconds, measuredBy: null };
  }

  /** A finished job's achieved FLOP/s and overhead, folded into its kind's figure and saved. */
  async refine(kind: string, jobId: string, measured: { flopsPerSecond: number; overheadSeconds: number; startSeconds: number }): Promise<void> {
    const { flopsPerSecond, overheadSeconds, startSeconds } = measured;
    if (!(flopsPerSecond > 0) || !(overheadSeconds >= 0) || !(startSeconds >= 0)) return;
    const p = await this.get();
    const old = p.jobs[kind];
    p.jobs[kind] = old
      ? {
          flops_per_second: old.flops_per_second * (1 - BLEND) + flopsPerSecond * BLEND,
          overhead_seconds: old.overhead_seconds * (1 - BLEND) + overheadSeconds * BLEND,
          start_seconds: Math.min(old.start_seconds, startSeconds),
          jobs: old.jobs + 1,
          last_job: jobId,
        }
      : { flops_per_second: flopsPerSecond, overhead_seconds: overheadSeconds, start_seconds: startSeconds, jobs: 1, last_job: jobId };
    await this.save(p);
  }

  private async readOrProbe(): Promise<DeviceProfile> {
    const cached = await readProfile(this.path).catch(() => null);
    if (cached) return cached;
    const profile = this.opts.seedPath ? await this.readSeed(this.opts.seedPath) : await this.probe();
    await this.save(profile);
    return profile;
  }

  private async probe(): Promise<DeviceProfile> {
    const measured = (await runPythonTool(this.opts, ['probe-device'])) as Record<string, unknown>;
    const { event: _event, ...fields } = measured;
    return { ...(fields as Omit<DeviceProfile, 'measured_at' | 'jobs'>), measured_at: this.opts.nowMs(), jobs: {} };
  }

  /** The operator's profile, copied into this data directory (refinements go to the copy, never to the shared file). */
  private async readSeed(path: string): Promise<DeviceProfile> {
    try {
      return await readProfile(path);
    } catch (err) {
      throw new Error(`SELFTUNE_DEVICE_PROFILE=${path} is not a usable device profile: ${(err as Error).message}`);
    }
  }

  /** Written to a temporary file and renamed, one write at a time, so a reader never sees half a profile. */
  private save(profile: DeviceProfile): Promise<void> {
    const write = this.writes.then(async () => {
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(profile, null, 2));
      await rename(tmp, this.path);
    });
    this.writes = write.catch(() => {}); // the caller of this write gets its error; the next write must still run
    return write;
  }
}

/** A stored profile, or an error saying what is wrong with it. */
async function readProfile(path: string): Promise<DeviceProfile> {
  const p = JSON.parse(await readFile(path, 'utf8')) as DeviceProfile;
  if (!(p.flops_per_second > 0 && p.memory_bytes > 0 && p.layer_step_seconds >= 0)) throw new Error('it lacks measured flops_per_second, memory_bytes or layer_step_seconds');
  return { ...p, jobs: p.jobs ?? {} };
}
