/**
 * The scheduler loop with a clock the test moves (controller/scheduler/loop.ts): urgent wakes run
 * at once, paced wakes coalesce, a wake during a pass causes exactly one more pass, and the
 * timers (backoff, paced reconcile, failed pass) fire when their time comes.
 */
import t from 'tap';
import {
  BACKOFF_TIMER_SLACK_MS,
  FAILED_PASS_PAUSE_MS,
  MAX_RECONCILE_INTERVAL_MS,
  RECONCILE_PACE_FACTOR,
  SchedulerLoop,
  type PassReport,
  type PassRequest,
} from '../../controller/scheduler/loop.js';
import { silentLogger } from '../../controller/log.js';
import { FakeClock } from './fake-clock.js';

/** Lets the loop's awaits run: promise callbacks only, no time passes. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function report(overrides: Partial<PassReport> = {}): PassReport {
  return {
    read: { jobs: 0, readyGroups: 0, nodes: 0 },
    changed: { instances: 0, tasks: 0, jobs: 0, nodes: 0, started: 0, killed: 0 },
    touchedJobs: new Set(),
    reconcileMs: 0,
    ...overrides,
  };
}

/** A loop that has run its first pass (which reconciles everything), with that pass forgotten. */
async function harness(
  options: {
    reports?: (r: PassRequest) => PassReport | Promise<PassReport>;
    backoffEnd?: () => number | undefined;
    /** Do not run the first pass. */
    fresh?: boolean;
  } = {},
) {
  const clock = new FakeClock();
  // What each pass was asked, without its wake time (a test below looks at that).
  const passes: Omit<PassRequest, 'wokenAt'>[] = [];
  const wokenAt: number[] = [];
  let primed = options.fresh === true;
  const loop = new SchedulerLoop({
    clock,
    log: silentLogger,
    runPass: async (request) => {
      const { wokenAt: at, ...asked } = request;
      passes.push(asked);
      wokenAt.push(at);
      if (!primed) return report();
      return (await options.reports?.(request)) ?? report();
    },
    nextBackoffEnd: async () => options.backoffEnd?.(),
  });
  /** Runs queued passes to the end, as the event loop would. */
  const drain = async () => {
    for (let i = 0; i < 20; i++) {
      clock.runSoon();
      await turn();
    }
  };
  if (!options.fresh) {
    loop.wake('start');
    await drain();
    passes.length = 0;
    primed = true;
  }
  return { clock, passes, wokenAt, loop, drain };
}

const sorted = (scope: PassRequest['reconcile']) => (scope === 'all' ? 'all' : [...scope].sort());

t.test('an urgent wake runs a pass at once and reconciles the jobs it names', async (t) => {
  const { loop, passes, drain } = await harness();
  loop.wake('job-stopped', ['j1']);
  t.equal(passes.length, 0, 'nothing runs inside wake()');
  await drain();
  t.same(passes, [{ reasons: ['job-stopped'], reconcile: ['j1'] }]);
});

t.test('a pass knows when its first reason woke the loop; the loop knows when a pass last ended', async (t) => {
  const { loop, clock, wokenAt, drain } = await harness();
  const wokeAt = clock.now();
  loop.wake('job-submitted', []);
  clock.advance(30);
  loop.wake('job-stopped', ['j1']);
  await drain();
  t.equal(wokenAt.at(-1), wokeAt, 'dispatch latency is counted from the first wake, not the last');
  t.equal(loop.lastPassEndedAt, clock.now(), 'readiness sees the pass that just ended');
});

t.test('wakes before the pass starts coalesce into one pass with every reason and job', async (t) => {
  const { loop, passes, drain } = await harness();
  loop.wake('job-submitted', []);
  loop.wake('job-stopped', ['j1']);
  loop.wake('job-restarted', ['j2']);
  await drain();
  t.equal(passes.length, 1);
  t.same(passes[0]!.reasons, ['job-submitted', 'job-stopped', 'job-restarted']);
  t.same(sorted(passes[0]!.reconcile), ['j1', 'j2']);
});

t.test('a wake during a pass schedules exactly one more pass', async (t) => {
  let release!: () => void;
  const first = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const { loop, passes, drain } = await harness({
    reports: async () => {
      calls += 1;
      if (calls === 1) await first;
      return report();
    },
  });
  loop.wake('job-stopped', ['j1']);
  await drain();
  t.equal(passes.length, 1, 'the first pass is running');
  loop.wake('job-stopped', ['j2']);
  loop.wake('job-restarted', ['j3']);
  loop.wake('node-intent', []);
  await drain();
  t.equal(passes.length, 1, 'no second pass while the first runs');
  release();
  await drain();
  t.equal(passes.length, 2, 'exactly one more pass');
  t.same(passes[1]!.reasons, ['job-stopped', 'job-restarted', 'node-intent']);
  t.same(sorted(passes[1]!.reconcile), ['j2', 'j3']);
  await loop.idle();
});

t.test('paced wakes hold their reconcile back, then reconcile together when it is due', async (t) => {
  const reconcileMs = 10;
  const { loop, passes, clock, drain } = await harness({
    reports: (r) => report({ reconcileMs: r.reconcile === 'all' || r.reconcile.length > 0 ? reconcileMs : 0 }),
  });
  loop.wake('job-stopped', ['j0']);
  await drain();
  t.same(passes.at(-1)!.reconcile, ['j0'], 'an urgent reconcile: it took 10 ms');

  loop.wake('attempt-reports', ['a']);
  await drain();
  t.same(passes.at(-1), { reasons: ['attempt-reports'], reconcile: [] }, 'placement runs, the reconcile waits');
  loop.wake('attempt-reports', ['b']);
  loop.wake('follow-up', ['c']);
  await drain();
  const interval = Math.min(MAX_RECONCILE_INTERVAL_MS, reconcileMs * RECONCILE_PACE_FACTOR);
  t.same(clock.pending(), [interval], 'one timer for the held-back reconcile');
  const before = passes.length;
  clock.advance(interval - 1);
  await drain();
  t.equal(passes.length, before, 'not due yet');
  clock.advance(1);
  await drain();
  t.same(passes.at(-1)!.reasons, ['reconcile-due']);
  t.same(sorted(passes.at(-1)!.reconcile), ['a', 'b', 'c'], 'every held-back job, in one reconcile');
});

t.test('an urgent wake reconciles at once even while paced ones are held back', async (t) => {
  const { loop, passes, drain } = await harness({ reports: () => report({ reconcileMs: 20 }) });
  loop.wake('tick');
  await drain();
  loop.wake('attempt-reports', ['a']);
  await drain();
  t.same(passes.at(-1)!.reconcile, []);
  loop.wake('nodes-lost', ['b']);
  await drain();
  t.same(sorted(passes.at(-1)!.reconcile), ['a', 'b']);
});

t.test('a pass that changed something wakes a follow-up for the jobs it touched', async (t) => {
  let n = 0;
  const { loop, passes, drain } = await harness({
    reports: () => {
      n += 1;
      return n === 1
        ? report({
            changed: { instances: 0, tasks: 1, jobs: 0, nodes: 0, started: 0, killed: 0 },
            touchedJobs: new Set(['j9']),
          })
        : report();
    },
  });
  loop.wake('job-restarted', ['j9']);
  await drain();
  t.equal(passes.length, 2);
  t.same(passes[1], { reasons: ['follow-up'], reconcile: ['j9'] });
  t.equal(passes.length, 2, 'a pass that changed nothing ends the chain');
});

t.test('settle resolves once a pass that began after it has ended', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const { loop, passes, drain } = await harness({
    reports: async () => {
      calls += 1;
      if (calls === 1) await gate;
      return report();
    },
  });
  loop.wake('tick');
  await drain();
  let settled = false;
  void loop.settle('job-stopped', ['j1']).then(() => (settled = true));
  await drain();
  t.notOk(settled, 'the pass that was running when settle was called does not count');
  release();
  await drain();
  t.ok(settled);
  t.same(passes[1], { reasons: ['job-stopped'], reconcile: ['j1'] });
});

t.test('a failed pass pauses, then everything is reconciled', async (t) => {
  let n = 0;
  const { loop, passes, clock, drain } = await harness({
    reports: (r) => {
      n += 1;
      if (n === 1) throw new Error('database down');
      return report({ reconcileMs: r.reconcile === 'all' ? 1 : 0 });
    },
  });
  loop.wake('job-stopped', ['j1']);
  await drain();
  t.equal(passes.length, 1);
  loop.wake('attempt-reports', ['j2']);
  await drain();
  t.equal(passes.length, 1, 'no pass during the pause');
  clock.advance(FAILED_PASS_PAUSE_MS);
  await drain();
  t.equal(passes.length, 2);
  t.equal(passes[1]!.reconcile, 'all', 'after a failure nothing is trusted to be up to date');
});

t.test('the loop wakes when the earliest retry backoff ends', async (t) => {
  let end: number | undefined;
  const { loop, passes, clock, drain } = await harness({ backoffEnd: () => end });
  end = clock.now() + 1000;
  loop.wake('job-submitted', []);
  await drain();
  t.equal(passes.length, 1);
  clock.advance(1000 + BACKOFF_TIMER_SLACK_MS - 1);
  await drain();
  t.equal(passes.length, 1, 'not before the backoff (and its slack) has passed');
  end = undefined;
  clock.advance(1);
  await drain();
  t.same(passes.at(-1)!.reasons, ['backoff-ended']);
});

t.test('the periodic tick reconciles everything; stop ends all timers', async (t) => {
  const { loop, passes, clock, drain } = await harness({ fresh: true });
  loop.start();
  await drain();
  t.same(passes[0], { reasons: ['start'], reconcile: 'all' });
  clock.advance(2000);
  await drain();
  t.same(passes[1], { reasons: ['tick'], reconcile: 'all' });
  loop.stop();
  clock.advance(10_000);
  await drain();
  t.equal(passes.length, 2);
  t.same(clock.pending(), []);
});
