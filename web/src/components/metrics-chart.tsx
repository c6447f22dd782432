import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

/** Markers only while a series is sparse (early steps, validation); on a long run they hide the line. */
const fewPoints = (u: uPlot, seriesIdx: number) => (u.data[seriesIdx] ?? []).filter((v) => v != null).length < 60;

interface Props {
  title: string;
  steps: number[];
  series: ChartSeries[];
  height?: number;
}

/**
 * A uPlot line chart over training steps. The plot is made once and fed new
 * data in place, so a running job's chart grows without redrawing the page.
 * `data-points` carries the number of steps drawn (tests read it).
 */
export function MetricsChart({ title, steps, series, height = 240 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [steps, ...series.map((s) => s.values)] as uPlot.AlignedData;
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current!;
    const options: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { size: 60 }],
      series: [
        { label: 'step' },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, points: { show: fewPoints } })),
      ],
      legend: { live: true },
    };
    plot.current = new uPlot(options, data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [steps.length, steps.at(-1), series.map((s) => s.values.length).join()]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-plot" data-points={steps.length} />
      {steps.length === 0 && <p class="muted chart-empty">No steps yet.</p>}
    </figure>
  );
}
