/** Ticks of cron expressions in time zones, and which ticks a due schedule acts on (pure). */
import t from 'tap';
import { BatchError } from '../../protocol/errors.js';
import { compileCron, ticksAfter } from '../../controller/schedules/cron.js';
import { LATE_LIMIT_MS, MAX_COUNTED_MISSES, planTicks } from '../../controller/schedules/plan.js';

const at = (iso: string) => Date.parse(iso);
const isos = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

t.test('seconds are optional; five fields tick on the minute', async (t) => {
  t.same(isos(ticksAfter(compileCron('*/15 * * * *', 'UTC'), at('2026-11-29T10:07:30Z'), 3)), [
    '2026-11-29T10:15:00.000Z',
    '2026-11-29T10:30:00.000Z',
    '2026-11-29T10:45:00.000Z',
  ]);
  t.same(isos(ticksAfter(compileCron('* * * * * *', 'UTC'), at('2026-11-29T10:07:30.400Z'), 2)), [
    '2026-11-29T10:07:31.000Z',
    '2026-11-29T10:07:32.000Z',
  ]);
  t.same(isos(ticksAfter(compileCron('@daily', 'UTC'), at('2026-12-31T12:00:00Z'), 1)), ['2027-01-01T00:00:00.000Z']);
});

t.test('weekday names and the time zone the expression is read in', async (t) => {
  // 9:00 in Berlin on weekdays: 8:00 UTC in winter; Friday 4 Dec, then Monday 7 Dec.
  t.same(isos(ticksAfter(compileCron('0 9 * * mon-fri', 'Europe/Berlin'), at('2026-12-04T07:00:00Z'), 2)), [
    '2026-12-04T08:00:00.000Z',
    '2026-12-07T08:00:00.000Z',
  ]);
  t.same(isos(ticksAfter(compileCron('30 0 * * *', 'Asia/Kathmandu'), at('2026-11-29T00:00:00Z'), 1)), [
    '2026-11-29T18:45:00.000Z',
  ]);
});

t.test('daylight saving: a wall time that never happens is skipped, one that happens twice runs once', async (t) => {
  // Berlin skips 02:00-03:00 on 29 March 2026 and repeats 02:00-03:00 on 25 October 2026.
  t.same(isos(ticksAfter(compileCron('30 2 * * *', 'Europe/Berlin'), at('2026-03-28T12:00:00Z'), 2)), [
    '2026-03-30T00:30:00.000Z',
    '2026-03-31T00:30:00.000Z',
  ]);
  t.same(isos(ticksAfter(compileCron('30 2 * * *', 'Europe/Berlin'), at('2026-10-24T12:00:00Z'), 2)), [
    '2026-10-25T00:30:00.000Z',
    '2026-10-26T01:30:00.000Z',
  ]);
});

t.test('a leap day ticks every four years', async (t) => {
  t.same(isos(ticksAfter(compileCron('0 0 29 2 *', 'UTC'), at('2026-01-01T00:00:00Z'), 1)), [
    '2028-02-29T00:00:00.000Z',
  ]);
});

t.test('invalid expressions and zones are refused naming the field and the rule', async (t) => {
  const refusal = (cron: string, zone = 'UTC') => {
    try {
      compileCron(cron, zone);
      return undefined;
    } catch (err) {
      return err instanceof BatchError ? { field: err.field, message: err.message } : err;
    }
  };
  t.match(refusal('61 * * * *'), { field: 'cron', message: /cron: minute: 61 is a invalid expression for minute/ });
  t.match(refusal('* * *'), { field: 'cron', message: /expected 5 or 6 fields but got 3/ });
  t.match(refusal('0 0 31 2 *'), { field: 'cron', message: /impossible day of month/ });
  t.match(refusal('0 0 L * *'), { field: 'cron', message: /L, W and # forms/ });
  t.match(refusal('* * * * *', 'Mars/Olympus'), { field: 'timezone', message: /"Mars\/Olympus" is not an IANA/ });
});

t.test('due ticks while running are all run, each once', async (t) => {
  const cron = compileCron('* * * * * *', 'UTC');
  const start = at('2026-11-29T10:00:00Z');
  const plan = planTicks(cron, 'none', start + 1000, start + 3500, start);
  t.same(
    plan.actions,
    [1000, 2000, 3000].map((d) => ({ kind: 'run', tick: start + d, missed: 0 })),
  );
  t.equal(plan.next, start + 4000);
});

t.test('catch-up none: the ticks missed before this controller started become one MISSED run', async (t) => {
  const cron = compileCron('* * * * * *', 'UTC');
  const down = at('2026-11-29T10:00:00Z');
  const started = down + 10_000;
  const plan = planTicks(cron, 'none', down + 1000, started + 1200, started);
  t.same(plan.actions, [
    { kind: 'missed', tick: down + 9000, missed: 9 },
    { kind: 'run', tick: started, missed: 0 },
    { kind: 'run', tick: started + 1000, missed: 0 },
  ]);
});

t.test('catch-up latest: the latest missed tick runs once', async (t) => {
  const cron = compileCron('*/10 * * * *', 'UTC');
  const down = at('2026-11-29T10:00:00Z');
  const started = at('2026-11-29T12:05:00Z');
  const plan = planTicks(cron, 'latest', down, started, started);
  t.same(plan.actions, [{ kind: 'run', tick: at('2026-11-29T12:00:00Z'), missed: 12 }]);
  t.equal(plan.next, at('2026-11-29T12:10:00Z'));
});

t.test('ticks over a minute late count as missed even while running; counting stops at a bound', async (t) => {
  const cron = compileCron('* * * * * *', 'UTC');
  const start = at('2026-11-29T10:00:00Z');
  const now = start + 2 * 3600_000;
  const plan = planTicks(cron, 'latest', start + 1000, now, start);
  t.equal(plan.actions.length, 1 + LATE_LIMIT_MS / 1000 + 1);
  t.same(plan.actions[0], { kind: 'run', tick: now - LATE_LIMIT_MS - 1000, missed: MAX_COUNTED_MISSES - 1 });
  t.same(plan.actions.at(-1), { kind: 'run', tick: now, missed: 0 });
});
