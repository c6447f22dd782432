import type { Job } from '../../jobs/job.ts';

// The parts of a job Mistral shows from its options and integrations.

export const classifierTargetsOf = (job: Job) =>
  (job.options.classifierTargets ?? []).map((t) => ({ name: t.name, labels: t.labels, weight: t.weight, loss_function: t.lossFunction }));
export type ClassifierTarget = ReturnType<typeof classifierTargetsOf>[number];

/** `commit_id` is the commit the ref named at create, then the one validation cloned. */
export const repositoriesOf = (job: Job) =>
  job.options.repositories.map((r) => ({ type: r.type, name: r.name, owner: r.owner, ref: r.ref, weight: r.weight, commit_id: r.commitId ?? '' }));

/** W&B integrations as Mistral shows them (never with a key), whichever API asked for them. */
export const wandbOf = (job: Job) =>
  job.integrations.map((w) => ({ type: w.type, project: w.project, name: w.name, run_name: w.runName, url: job.options.wandbUrl }));
