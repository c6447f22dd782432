import type { JobEventRow } from '../db/schema.ts';
import type { StepMetrics } from '../executors/trainer-protocol.ts';

// step_metrics.csv, the result file OpenAI attaches to a finished job:
// one row per step, 5-decimal floats, empty cells where a metric was not computed.
// A DPO job's file adds its reward margin and accuracy (train and validation) after
// those; a supervised job's file keeps exactly OpenAI's five columns.
const COLUMNS = ['step', 'train_loss', 'train_accuracy', 'valid_loss', 'valid_mean_token_accuracy'] as const;
const PREFERENCE_COLUMNS = ['train_reward_margin', 'train_reward_accuracy', 'valid_reward_margin', 'valid_reward_accuracy'] as const;

type MetricsData = Partial<StepMetrics> & { step: number };

const cell = (v: number | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(5) : '');

export function stepMetricsCsv(metricsEvents: JobEventRow[]): string {
  // A job resumed after a lost worker repeats the steps since its last checkpoint; the last run of a step wins.
  const byStep = new Map<number, MetricsData>();
  for (const e of metricsEvents) {
    const data = e.data ? (JSON.parse(e.data) as MetricsData) : null;
    if (data && typeof data.step === 'number') byStep.set(data.step, data);
  }
  const steps = [...byStep.values()].sort((a, b) => a.step - b.step);
  const preference = steps.some((d) => d.train_reward_margin !== undefined);
  const extra = preference ? PREFERENCE_COLUMNS : [];
  const rows = steps.map((d) =>
    [String(d.step), cell(d.train_loss), cell(d.train_mean_token_accuracy), cell(d.valid_loss), cell(d.valid_mean_token_accuracy), ...extra.map((c) => cell(d[c]))].join(','),
  );
  return `${[[...COLUMNS, ...extra].join(','), ...rows].join('\n')}\n`;
}
