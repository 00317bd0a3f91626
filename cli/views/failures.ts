/** Why a task's instances failed, counted by the failure reason of their last attempt. */
import type { Instance } from '../../sdk/index.js';

/** "FAILED 3 (2× EXIT_CODE, 1× TIMEOUT)"; the most frequent reason first. */
export function failureSummary(failed: readonly Instance[]): string {
  const counts = new Map<string, number>();
  for (const instance of failed) {
    const reason = instance.attempts.at(-1)?.failureReason ?? 'UNKNOWN';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const reasons = [...counts]
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([reason, n]) => `${n}× ${reason}`)
    .join(', ');
  return `FAILED ${failed.length}${reasons ? ` (${reasons})` : ''}`;
}
