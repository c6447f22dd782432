import { wandbIntegrations } from '../../jobs/wandb-integration.ts';
import type { Job } from '../../jobs/job.ts';

// The Mistral extras a job keeps in `options` and `integrations`, typed in one place.

export interface ClassifierTarget {
  name: string;
  labels: string[];
  weight: number;
  loss_function: 'single_class' | 'multi_class';
}

export interface ResolvedRepository {
  type: 'github';
  name: string;
  owner: string;
  ref: string;
  weight: number;
  commit_id: string;
}

export interface StoredWandb {
  type: 'wandb';
  project: string;
  name: string | null;
  run_name: string | null;
}

export const classifierTargetsOf = (job: Job): ClassifierTarget[] => (job.options.classifier_targets as ClassifierTarget[] | undefined) ?? [];

export const repositoriesOf = (job: Job) =>
  ((job.options.repositories as ResolvedRepository[] | undefined) ?? []).map((r) => ({
    type: 'github' as const,
    name: r.name,
    owner: r.owner,
    ref: r.ref,
    weight: r.weight,
    commit_id: r.commit_id,
  }));

/** W&B integrations as Mistral shows them (never with the key); OpenAI-made jobs keep theirs under `wandb`. */
export function wandbOf(job: Job) {
  const url = (job.options.wandb_url as string | undefined) ?? null;
  return wandbIntegrations(job.integrations).map((w) => ({ type: 'wandb' as const, project: w.project, name: w.name, run_name: w.run_name, url }));
}
