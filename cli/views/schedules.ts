/** `schedules list`. */
import type { Schedule } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function schedulesTable(schedules: readonly Schedule[], now = Date.now()): string {
  if (schedules.length === 0) return 'No schedules.';
  return formatTable(
    ['NAME', 'CRON', 'TIMEZONE', 'OVERLAP', 'JOB', 'LAST RUN', 'NEXT RUN'],
    schedules.map((s) => [
      s.name,
      s.cron,
      s.timezone ?? '-',
      s.overlap ?? '-',
      s.job?.name ?? '-',
      formatTime(s.lastRunAt, now),
      s.nextRunAt ?? '-',
    ]),
  );
}
