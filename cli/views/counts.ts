import { INSTANCE_STATES } from '../../protocol/states.js';

/** States in lifecycle order; any state a newer controller adds goes last, alphabetically. */
export function orderedStates(counts: Record<string, number>): string[] {
  const known = INSTANCE_STATES.filter((s) => (counts[s] ?? 0) > 0);
  const unknown = Object.keys(counts)
    .filter((s) => !(INSTANCE_STATES as readonly string[]).includes(s) && (counts[s] ?? 0) > 0)
    .sort();
  return [...known, ...unknown];
}

/** "PENDING 3  RUNNING 4  SUCCEEDED 23", zero counts left out. */
export function formatCounts(counts: Record<string, number>): string {
  return orderedStates(counts)
    .map((state) => `${state} ${counts[state]}`)
    .join('  ');
}
