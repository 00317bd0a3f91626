/** Instances per state as one horizontal bar, each state a segment as wide as its share. */
import { useT } from '../i18n/i18n.js';
import { isStateName } from '../i18n/en.js';
import { DISPLAY_STATES } from '../states.js';

export function CountsBar({ counts }: { counts: Record<string, number> }) {
  const t = useT();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = DISPLAY_STATES.filter((s) => (counts[s] ?? 0) > 0).map((state) => ({ state, n: counts[state]! }));
  const label = parts.map((p) => `${t(`state.${p.state}`)} ${p.n}`).join(', ');
  return (
    <div className="counts">
      <div className="counts-bar" role="img" aria-label={label || t('counts.none')}>
        {parts.map((p) => (
          <span
            key={p.state}
            className={`counts-segment st-${p.state}`}
            style={{ flexGrow: p.n }}
            title={`${t(`state.${p.state}`)}: ${p.n}`}
          />
        ))}
      </div>
      <span className="counts-text">
        {parts.length === 0 ? t('counts.none') : t('counts.summary', { done: counts.SUCCEEDED ?? 0, total })}
      </span>
    </div>
  );
}

/** The counts as a legend of badges with numbers, for detail pages. */
export function CountsLegend({ counts }: { counts: Record<string, number> }) {
  const t = useT();
  return (
    <ul className="legend">
      {Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([state, n]) => (
          <li key={state}>
            <span className={`swatch st-${state}`} aria-hidden="true" />
            {isStateName(state) ? t(`state.${state}`) : state} <strong>{n}</strong>
          </li>
        ))}
    </ul>
  );
}
