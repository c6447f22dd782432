import { MetricsChart } from '../components/metrics-chart.tsx';
import type { StepMetrics } from '../types.ts';

const TRAIN = '#2563eb';
const VALID = '#ea580c';

/** Each chart puts a training metric and its validation twin on one plot. */
const CHARTS: { title: string; name: string; train: keyof StepMetrics; valid: keyof StepMetrics }[] = [
  { title: 'Loss', name: 'loss', train: 'train_loss', valid: 'valid_loss' },
  { title: 'Token accuracy', name: 'accuracy', train: 'train_mean_token_accuracy', valid: 'valid_mean_token_accuracy' },
];

export function JobCharts({ metrics }: { metrics: StepMetrics[] }) {
  const steps = metrics.map((m) => m.step);
  const column = (key: keyof StepMetrics) => metrics.map((m) => (m[key] ?? null) as number | null);
  return (
    <div class="charts">
      {CHARTS.map((c) => (
        <MetricsChart
          key={c.name}
          title={c.title}
          steps={steps}
          series={[
            { label: `train ${c.name}`, color: TRAIN, values: column(c.train) },
            { label: `valid ${c.name}`, color: VALID, values: column(c.valid) },
          ]}
        />
      ))}
    </div>
  );
}
