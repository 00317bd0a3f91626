/**
 * `instances JOB TASK`: one row per instance with what its last attempt did, or with
 * `--attempts` one row per attempt, so a retried instance shows each try and why it failed.
 */
import type { Attempt, Instance } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

/** `wide` adds the last attempt's start and its whole message. */
export function instancesTable(
  instances: readonly Instance[],
  now = Date.now(),
  options: { wide?: boolean } = {},
): string {
  if (instances.length === 0) return 'No instances.';
  const wide = options.wide === true;
  return formatTable(
    [
      { header: 'INDEX', align: 'right' },
      'STATE',
      'PENDING REASON',
      { header: 'ATTEMPTS', align: 'right' },
      'NODE',
      { header: 'EXIT', align: 'right' },
      'FAILURE',
      ...(wide ? ['STARTED'] : []),
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
        exitCode(last),
        last?.failureReason ?? '',
        ...(wide ? [last ? formatTime(last.startedAt, now) : '-'] : []),
        last ? formatTime(last.endedAt, now) : '-',
        oneLine(last?.message ?? '', wide),
      ];
    }),
  );
}

/** Every attempt of every instance, oldest first within an instance; `wide` adds the message. */
export function attemptsTable(
  instances: readonly Instance[],
  now = Date.now(),
  options: { wide?: boolean } = {},
): string {
  const rows = instances.flatMap((instance) =>
    instance.attempts.map((a) => [
      String(instance.index),
      String(a.attempt),
      a.nodeId ?? '-',
      a.state,
      exitCode(a),
      a.failureReason ?? '',
      formatTime(a.startedAt, now),
      formatTime(a.endedAt, now),
      formatDuration(a.startedAt, a.endedAt, now),
      ...(options.wide ? [oneLine(a.message ?? '', true)] : []),
    ]),
  );
  if (rows.length === 0) return 'No attempts yet.';
  return formatTable(
    [
      { header: 'INDEX', align: 'right' },
      { header: 'ATTEMPT', align: 'right' },
      'NODE',
      'STATE',
      { header: 'EXIT', align: 'right' },
      'FAILURE',
      'STARTED',
      'ENDED',
      { header: 'DURATION', align: 'right' },
      ...(options.wide ? ['MESSAGE'] : []),
    ],
    rows,
  );
}

/** "1h02m", "3m05s", "42s"; a running attempt counts up to now; "-" before it started. */
export function formatDuration(startedAt: string | null, endedAt: string | null, now = Date.now()): string {
  if (!startedAt) return '-';
  const seconds = Math.max(0, Math.round(((endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m`;
  return m > 0 ? `${m}m${two(s)}s` : `${s}s`;
}

function exitCode(attempt: Attempt | undefined): string {
  return attempt?.exitCode === null || attempt?.exitCode === undefined ? '-' : String(attempt.exitCode);
}

/** An attempt's message may span lines (a stack, a mount error); a table cell cannot. */
function oneLine(text: string, whole: boolean): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return !whole && flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
