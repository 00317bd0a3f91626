/** `schedules list` and `schedules show`. */
import type { Schedule, ScheduleDetail } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';
import { keyValues } from './key-values.js';

const jobName = (s: Schedule) => (typeof s.job.name === 'string' ? s.job.name : '-');

export function schedulesTable(schedules: readonly Schedule[], now = Date.now()): string {
  if (schedules.length === 0) return 'No schedules.';
  return formatTable(
    ['NAME', 'CRON', 'TIMEZONE', 'OVERLAP', 'CATCH-UP', 'STATE', 'JOB', 'LAST RUN', 'NEXT RUN'],
    schedules.map((s) => [
      s.name,
      s.cron,
      s.timezone,
      s.overlap,
      s.catchUp,
      s.paused ? 'paused' : 'active',
      jobName(s),
      formatTime(s.lastRunAt, now),
      s.nextRunAt ?? '-',
    ]),
  );
}

export function scheduleView(s: ScheduleDetail, now = Date.now()): string {
  const head = keyValues([
    ['name', s.name],
    ['owner', s.owner],
    ['cron', `${s.cron} (${s.timezone})`],
    ['overlap', s.overlap],
    ['catch-up', s.catchUp],
    ['state', s.paused ? 'paused' : 'active'],
    ['job', jobName(s)],
    ['created', formatTime(s.createdAt, now)],
    ['next runs', s.nextRuns.join(', ') || '-'],
  ]);
  if (s.runs.length === 0) return `${head}\n\nNo runs yet.`;
  const runs = formatTable(
    ['TICK', 'OUTCOME', 'JOB', 'REASON'],
    s.runs.map((r) => [r.tick, r.outcome ?? 'SUBMITTING', r.jobId ?? '-', r.reason ?? '']),
  );
  return `${head}\n\n${runs}`;
}
