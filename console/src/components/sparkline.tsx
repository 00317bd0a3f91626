/**
 * A small inline chart of recent values: no axes, no library, just the line and its last point.
 * The label (also the tooltip) states what a reader needs in words — the latest value and the
 * range — since a line this small is a hint, not a figure.
 */
const WIDTH = 64;
const HEIGHT = 18;
const PAD = 2;

export function Sparkline({
  values,
  max,
  label,
  className,
}: {
  values: readonly number[];
  /** The top of the scale (100 for a percentage, a node's total for MiB): lines of one kind compare. */
  max: number;
  label: string;
  className?: string;
}) {
  const top = Math.max(max, ...values, 1);
  // With one sample there is no line yet: the point sits at the right edge, where the newest goes.
  const step = values.length > 1 ? (WIDTH - 2 * PAD) / (values.length - 1) : 0;
  const points = values.map((value, i) => {
    const x = values.length > 1 ? PAD + i * step : WIDTH - PAD;
    const y = HEIGHT - PAD - (Math.max(0, value) / top) * (HEIGHT - 2 * PAD);
    return { x: Number(x.toFixed(1)), y: Number(y.toFixed(1)) };
  });
  const last = points[points.length - 1];
  return (
    <svg
      className={`sparkline ${className ?? ''}`}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      data-points={values.length}
    >
      <title>{label}</title>
      <line className="baseline" x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - PAD} y2={HEIGHT - PAD} />
      {points.length > 1 && <polyline points={points.map((p) => `${p.x},${p.y}`).join(' ')} />}
      {last && <circle cx={last.x} cy={last.y} r={1.8} />}
    </svg>
  );
}
