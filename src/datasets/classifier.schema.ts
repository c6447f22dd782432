// Mistral Classifier Factory lines:
//   {"text": "...", "labels": {"<target>": "<label>" | ["<label>", ...]}}
//   {"messages": [...], "labels": {...}}
// Several keys in `labels` = several targets, each scored on its own; an array
// value = multi-label. Extra top-level keys are ignored.
import { z } from 'zod';
import { firstProblem, problem } from './issues.ts';
import { messagesProblem } from './message.schema.ts';
import type { LineProblem } from './types.ts';

const Label = z.string().min(1);
export const Labels = z.record(z.string(), z.union([Label, z.array(Label).min(1)]));

const Text = z.object({ text: z.string().min(1) });
const HasLabels = z.object({ labels: Labels });

export function classifierTextProblem(obj: Record<string, unknown>): LineProblem | null {
  return firstProblem(Text, obj) ?? labelsProblem(obj);
}

/** The conversation is the input to classify, so no assistant turn is required. */
export function classifierChatProblem(obj: Record<string, unknown>): LineProblem | null {
  return messagesProblem(obj['messages'], ['messages']) ?? labelsProblem(obj);
}

function labelsProblem(obj: Record<string, unknown>): LineProblem | null {
  const labels = obj['labels'];
  if (labels === undefined) return firstProblem(HasLabels, obj);
  const bad = firstProblem(Labels, labels, ['labels']);
  // Everything wrong inside `labels` gets one code, so callers can count label errors.
  if (bad) return { ...bad, code: 'invalid_labels' };
  const targets = Object.keys(labels as object);
  if (targets.length === 0) return problem('invalid_labels', ['labels'], 'must name at least one target');
  if (targets.includes('')) return problem('invalid_labels', ['labels'], 'target names must not be empty');
  return null;
}
