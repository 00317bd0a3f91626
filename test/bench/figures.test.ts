/**
 * The bench's arithmetic: medians, percentiles, and how runs fold into a reported figure. A run
 * that did not produce a figure must make it null, never a median of the runs that happened to
 * finish.
 */
import t from 'tap';
import { figure, summarize } from '../../bench/figures.js';
import { parseOptions } from '../../bench/options.js';
import { median, percentile } from '../../bench/stats.js';

t.test('median and nearest-rank percentiles', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(percentile(hundred, 50), 50);
  t.equal(percentile(hundred, 99), 99);
  t.equal(percentile(hundred, 100), 100);
  t.equal(percentile([7], 99), 7);
  t.throws(() => median([]), { name: 'RangeError' });
});

t.test('runs fold into their median, checked against the target', async (t) => {
  const run = (v: number) => [
    figure(
      'dispatch.postgres.instances_per_s',
      v,
      'instances/s',
      { nodes: 1000 },
      { target: { op: '>=', value: 10_000 } },
    ),
  ];
  const [s] = summarize([run(9000), run(12_000), run(11_000)]);
  t.equal(s!.value, 11_000);
  t.same(s!.runs, [9000, 12_000, 11_000]);
  t.equal(s!.met, true);
  t.same(s!.conditions, { nodes: 1000 });
});

t.test('a run without the figure makes it null, with the reason', async (t) => {
  const ok = [figure('logs.postgres.persist_mb_per_s', 120, 'MB/s', {})];
  const failed = [figure('logs.postgres.run', null, '', {}, { note: 'run 2: did not finish in 300 s' })];
  const summaries = summarize([ok, failed]);
  const persist = summaries.find((s) => s.name === 'logs.postgres.persist_mb_per_s')!;
  t.equal(persist.value, null);
  t.same(persist.runs, [120, null]);
  t.match(persist.note, /missing in 1 of 2 runs/);
  t.equal(persist.met, undefined);
  t.equal(summaries.find((s) => s.name === 'logs.postgres.run')!.note, 'run 2: did not finish in 300 s');
});

t.test('figures keep three significant digits, whole numbers whole', async (t) => {
  t.equal(figure('x', 12_345.678, '', {}).value, 12_346);
  t.equal(figure('x', 0.0123456, '', {}).value, 0.0123);
  t.equal(figure('x', 18.4321, '', {}).value, 18.4);
});

t.test('options: --quick scales down, flags win over the environment', async (t) => {
  const quick = parseOptions(['--quick'], {});
  t.equal(quick.scale, 0.1);
  t.equal(quick.runs, 1);
  const full = parseOptions([], { BENCH_SCALE: '0.5', BENCH_ONLY: 'dispatch,logs' });
  t.equal(full.scale, 0.5);
  t.equal(full.runs, 3);
  t.same(full.only, ['dispatch', 'logs']);
  t.equal(parseOptions(['--scale=2'], { BENCH_SCALE: '0.5' }).scale, 2);
  t.throws(() => parseOptions(['--nope'], {}), { name: 'UsageError' });
  t.throws(() => parseOptions(['--stores=mysql'], {}), { name: 'UsageError' });
  t.throws(() => parseOptions(['--runs=0'], {}), { name: 'UsageError' });
});
