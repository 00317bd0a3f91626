/** A state as a coloured badge, its name translated (the colour is never the only signal). */
import { useT } from '../i18n/i18n.js';
import type { StateName } from '../i18n/en.js';

export function StateBadge({ state }: { state: StateName }) {
  const t = useT();
  return <span className={`badge st-${state}`}>{t(`state.${state}`)}</span>;
}
