import { execFile } from 'node:child_process';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const DEMO_MODEL = 'selftune-tiny';

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * Puts selftune-tiny into the models folder if it is not there: copied from the
 * setup's cache, or built by the trainer (deterministic, from a fixed seed).
 */
export async function ensureDemoModel(modelsDir: string, cacheDir: string, python: string, trainerDir: string): Promise<void> {
  const target = join(modelsDir, DEMO_MODEL);
  if (await exists(join(target, 'config.json'))) return;
  await mkdir(modelsDir, { recursive: true });
  if (!(await exists(join(cacheDir, 'config.json')))) {
    await promisify(execFile)(python, ['-m', 'selftune_trainer', 'make-tiny-model', '--out', cacheDir], {
      env: { ...process.env, PYTHONPATH: trainerDir },
    });
  }
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await cp(cacheDir, staging, { recursive: true });
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
}

// Locating the packages takes ~50 ms where importing torch takes seconds; a
// broken install still shows up, as a failed job with the trainer's own error.
const FIND_PACKAGES = `import importlib.util as u, sys
missing = [m for m in ("torch", "transformers", "peft", "safetensors", "selftune_trainer") if u.find_spec(m) is None]
sys.exit("missing Python packages: " + ", ".join(missing) if missing else 0)`;

/** Whether the trainer's Python environment has what training needs. */
export async function checkTrainerEnvironment(python: string, trainerDir: string): Promise<void> {
  await promisify(execFile)(python, ['-c', FIND_PACKAGES], { env: { ...process.env, PYTHONPATH: trainerDir } });
}
