/** `instances JOB TASK`: one row per instance, with what its last attempt did. */
import type { Instance } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function instancesTable(instances: readonly Instance[], now = Date.now()): string {
  if (instances.length === 0) return 'No instances.';
  return formatTable(
    [
      { header: 'INDEX', align: 'right' },
      'STATE',
      'PENDING REASON',
      { header: 'ATTEMPTS', align: 'right' },
      'NODE',
      { header: 'EXIT', align: 'right' },
      'FAILURE',
      'ENDED',
      'MESSAGE',
    ],
    instances.map((instance) => {
      const last = instance.attempts.at(-1);
      return [
        String(instance.index),
        instance.state,
        instance.pendingReason ?? '',
        String(instance.attempts.length),
        last?.nodeId ?? '-',
        last?.exitCode === null || last?.exitCode === undefined ? '-' : String(last.exitCode),
        last?.failureReason ?? '',
        last ? formatTime(last.endedAt, now) : '-',
        oneLine(last?.message ?? ''),
      ];
    }),
  );
}

/** An attempt's message may span lines (a stack, a mount error); a table cell cannot. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
