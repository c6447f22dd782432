// Classifier targets found in the data, for a Mistral classifier job created
// without `classifier_targets` (the real API fills them in once validated).
import { readLines } from './lines.ts';

export interface ClassifierTarget {
  name: string;
  /** Every label seen for this target, sorted. */
  labels: string[];
  /** True when any line gives this target an array of labels. */
  multiLabel: boolean;
}

/** Streams the file; lines that are not JSON or have no usable `labels` are skipped. */
export async function collectClassifierTargets(path: string): Promise<ClassifierTarget[]> {
  // Map keeps targets in order of first appearance.
  const found = new Map<string, { labels: Set<string>; multiLabel: boolean }>();
  for await (const raw of readLines(path)) {
    if (raw.text === null) continue;
    let labels: unknown;
    try {
      labels = (JSON.parse(raw.text) as { labels?: unknown } | null)?.labels;
    } catch {
      continue;
    }
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) continue;
    for (const [name, value] of Object.entries(labels)) {
      const values = Array.isArray(value) ? value : [value];
      const strings = values.filter((v): v is string => typeof v === 'string' && v !== '');
      if (strings.length === 0) continue;
      const t = found.get(name) ?? { labels: new Set<string>(), multiLabel: false };
      for (const s of strings) t.labels.add(s);
      t.multiLabel ||= Array.isArray(value);
      found.set(name, t);
    }
  }
  return [...found].map(([name, t]) => ({ name, labels: [...t.labels].sort(), multiLabel: t.multiLabel }));
}
