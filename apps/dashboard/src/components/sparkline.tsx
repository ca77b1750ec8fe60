import '../insights.css';

/** Width and height of a sparkline, in CSS pixels. */
const WIDTH = 96;
const HEIGHT = 22;

/**
 * A small inline-SVG line over `points` (oldest first; null = no data that minute, left as a gap in
 * the x axis). `from` and `to` (ms) fix the x axis, so every row's sparkline spans the same hour.
 * The label says what it shows, for screen readers; the number beside it carries the value.
 */
export function Sparkline(props: {
  label: string;
  points: readonly { at: number; value: number | null }[];
  from: number;
  to: number;
}) {
  const values = props.points.filter((p) => p.value !== null) as { at: number; value: number }[];
  const max = Math.max(...values.map((p) => p.value), 0);
  const span = Math.max(props.to - props.from, 1);
  const x = (at: number) => (((at - props.from) / span) * (WIDTH - 2) + 1).toFixed(1);
  // Zero sits on the bottom edge; the largest value of the hour touches the top.
  const y = (value: number) => (HEIGHT - 1 - (max > 0 ? (value / max) * (HEIGHT - 2) : 0)).toFixed(1);
  const coordinates = values.map((p) => `${x(p.at)},${y(p.value)}`).join(' ');
  return (
    <svg
      className="sparkline"
      role="img"
      aria-label={values.length > 0 ? props.label : `${props.label}: no data`}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      data-points={values.length}
    >
      {/* The hour's floor (zero), so a quiet or a one-point hour still reads as a span of time. */}
      <line x1="1" x2={WIDTH - 1} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} stroke="var(--line)" strokeWidth="1" />
      {values.length > 1 && (
        <polyline points={coordinates} fill="none" stroke="currentColor" strokeWidth="1.5" />
      )}
      {values.length === 1 && values[0] && (
        <circle cx={x(values[0].at)} cy={y(values[0].value)} r="2" fill="currentColor" />
      )}
    </svg>
  );
}
