import type { JobEventRow } from '../db/schema.ts';

// step_metrics.csv, the result file OpenAI attaches to a finished job:
// one row per step, 5-decimal floats, empty cells where a metric was not computed.
const COLUMNS = ['step', 'train_loss', 'train_accuracy', 'valid_loss', 'valid_mean_token_accuracy'] as const;

interface MetricsData {
  step: number;
  train_loss?: number;
  train_mean_token_accuracy?: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
}

const cell = (v: number | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(5) : '');

export function stepMetricsCsv(metricsEvents: JobEventRow[]): string {
  // A job resumed after a lost worker repeats the steps since its last checkpoint; the last run of a step wins.
  const byStep = new Map<number, MetricsData>();
  for (const e of metricsEvents) {
    const data = e.data ? (JSON.parse(e.data) as MetricsData) : null;
    if (data && typeof data.step === 'number') byStep.set(data.step, data);
  }
  const rows = [...byStep.values()]
    .sort((a, b) => a.step - b.step)
    .map((d) => [String(d.step), cell(d.train_loss), cell(d.train_mean_token_accuracy), cell(d.valid_loss), cell(d.valid_mean_token_accuracy)].join(','));
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}
