/** The order nodes are listed in: by environment, then by name with numbers in number order. */
import type { Node } from '../../sdk/index.js';

const NUMERIC = { numeric: true };

/** auto-admin-2 before auto-admin-10, and pool-a's nodes together. */
export function byEnvironmentAndName(
  a: Pick<Node, 'environment' | 'name'>,
  b: Pick<Node, 'environment' | 'name'>,
): number {
  return (
    a.environment.localeCompare(b.environment, undefined, NUMERIC) || a.name.localeCompare(b.name, undefined, NUMERIC)
  );
}
