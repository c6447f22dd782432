import { collectClassifierTargets } from '../datasets/index.ts';
import type { ClassifierTarget, JobError } from './job.ts';

/** The targets given with the job (every label in the data must be one of theirs), or those the data names. */
export async function resolveClassifierTargets(given: ClassifierTarget[] | null, paths: string[]): Promise<{ targets: ClassifierTarget[] } | { error: JobError }> {
  const found = new Map<string, { labels: Set<string>; multi: boolean }>();
  for (const path of paths) {
    for (const t of await collectClassifierTargets(path)) {
      const seen = found.get(t.name) ?? { labels: new Set<string>(), multi: false };
      t.labels.forEach((l) => seen.labels.add(l));
      seen.multi ||= t.multiLabel;
      found.set(t.name, seen);
    }
  }
  if (!given) {
    const targets = [...found].map(([name, t]) => ({ name, labels: [...t.labels].sort(), weight: 1, lossFunction: t.multi ? 'multi_class' as const : 'single_class' as const }));
    return { targets };
  }
  for (const [name, t] of found) {
    const target = given.find((g) => g.name === name);
    const unknown = target ? [...t.labels].filter((l) => !target.labels.includes(l)) : [];
    const message = !target
      ? `The training data uses target '${name}', which is not among classifier_targets (${given.map((g) => g.name).join(', ')}).`
      : unknown.length ? `The training data uses label(s) ${unknown.map((l) => `'${l}'`).join(', ')} of target '${name}', which classifier_targets does not list.` : null;
    if (message) return { error: { code: 'invalid_classifier_targets', message, param: 'classifier_targets' } };
  }
  return { targets: given };
}
