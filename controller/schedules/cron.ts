/**
 * Cron expressions and their ticks. node-cron parses and validates them (5 or 6 fields, seconds
 * optional, names, ranges, steps, `@daily`-style nicknames). Its next-run functions count from
 * the wall clock (`getNextRuns` reads `new Date()`, on a task registered in a process-wide
 * registry), but the ticker needs "the ticks after T" for any T: missed ticks after a restart,
 * and a Clock that tests move. So ticks are walked here from node-cron's expanded fields.
 */
import { validateDetailed } from 'node-cron';
import { BatchError } from '../../protocol/errors.js';

/** A yearly expression such as 29 February fires at least once in 8 years. */
const SEARCH_DAYS = 8 * 366;
const DAY_MS = 86_400_000;

export interface CronSchedule {
  /** The first tick strictly after `afterMs` (whole seconds), or undefined if there is none. */
  nextAfter(afterMs: number): number | undefined;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Parses `expression` for `timezone` (IANA); errors name the field and the rule. */
export function compileCron(expression: string, timezone: string): CronSchedule {
  checkTimezone(timezone);
  const checked = validateDetailed(expression);
  if (!checked.valid || !checked.fields) {
    const problems = checked.errors.map((e) => (e.field === 'expression' ? e.message : `${e.field}: ${e.message}`));
    throw new BatchError('VALIDATION', `cron: ${problems.join('; ')}`, 'cron');
  }
  const f = checked.fields;
  const special = [...f.dayOfMonth, ...f.dayOfWeek].find((v) => typeof v === 'string');
  if (special !== undefined)
    throw new BatchError('VALIDATION', `cron: the L, W and # forms ("${special}") are not supported`, 'cron');
  const days = new Set(f.dayOfMonth as number[]);
  const weekdays = new Set(f.dayOfWeek as number[]);
  const months = new Set(f.month);
  const [hours, minutes, seconds] = [f.hour, f.minute, f.second].map((v) => [...v].sort((a, b) => a - b)) as [
    number[],
    number[],
    number[],
  ];
  const zone = zoneOf(timezone);

  return {
    nextAfter(afterMs) {
      const base = zone.local(afterMs);
      let { year, month, day } = base;
      for (let i = 0; i < SEARCH_DAYS; i++) {
        const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
        if (months.has(month) && days.has(day) && weekdays.has(weekday)) {
          for (const hour of hours)
            for (const minute of minutes)
              for (const second of seconds) {
                if (i === 0 && hour * 3600 + minute * 60 + second <= base.hour * 3600 + base.minute * 60 + base.second)
                  continue;
                const at = zone.instant({ year, month, day, hour, minute, second });
                if (at !== undefined && at > afterMs) return at;
              }
        }
        ({ year, month, day } = nextDay(year, month, day));
      }
      return undefined;
    },
  };
}

/** The first `count` ticks after `afterMs`. */
export function ticksAfter(cron: CronSchedule, afterMs: number, count: number): number[] {
  const out: number[] = [];
  for (let at = cron.nextAfter(afterMs); at !== undefined && out.length < count; at = cron.nextAfter(at)) out.push(at);
  return out;
}

export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new BatchError(
      'VALIDATION',
      `timezone: "${timezone}" is not an IANA time zone (e.g. Europe/Berlin, UTC)`,
      'timezone',
    );
  }
}

function nextDay(year: number, month: number, day: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Wall-clock time in one zone, both ways. */
function zoneOf(timezone: string) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const local = (ms: number): LocalTime => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(Math.floor(ms / 1000) * 1000)))
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return {
      year: parts.year!,
      month: parts.month!,
      day: parts.day!,
      hour: parts.hour!,
      minute: parts.minute!,
      second: parts.second!,
    };
  };
  const asUtc = (t: LocalTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return {
    local,
    /**
     * The instant showing `t` on this zone's clocks: undefined in a DST gap (that wall time never
     * happens, so the tick is skipped, as cron does); the earlier one when the clocks go back.
     */
    instant(t: LocalTime): number | undefined {
      const wanted = asUtc(t);
      // The zone's offsets a day either side and at the time itself cover both sides of a change.
      const offsetAt = (at: number) => asUtc(local(at)) - at;
      const found = [wanted - DAY_MS, wanted, wanted + DAY_MS]
        .map((probe) => wanted - offsetAt(probe))
        .filter((at) => asUtc(local(at)) === wanted);
      return found.length === 0 ? undefined : Math.min(...found);
    },
  };
}
