/** How a dependency edge is labelled: its condition, and "per instance" when it is one. */
import type { Translate } from '../i18n/i18n.js';

export interface Condition {
  on: 'success' | 'failure' | 'any';
  per: 'task' | 'instance';
}

export function edgeLabel(condition: Condition, t: Translate): string {
  return `${t(`condition.${condition.on}`)} · ${t(`per.${condition.per}`)}`;
}
