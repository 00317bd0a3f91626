/** The nodes page's history of heartbeat metrics: new samples only, a bounded length, listed nodes only. */
import t from 'tap';
import type { Node } from '../../sdk/index.js';
import { HISTORY_SAMPLES, withLatestSamples, type MetricsHistory } from '../../console/src/metrics-history.js';

/** Only what the history reads of a node. */
function node(id: string, at: number | undefined, cpuPercent = 10): Node {
  return { id, metrics: at === undefined ? null : { at: new Date(at).toISOString(), cpuPercent } } as unknown as Node;
}

const empty: MetricsHistory = new Map();
const first = withLatestSamples(empty, [node('a', 1000), node('b', undefined)]);
t.same(
  first.get('a')?.map((s) => s.at),
  [1000],
  'a node with metrics has its first sample',
);
t.same(first.get('b'), [], 'a node without metrics has none');

t.equal(
  withLatestSamples(first, [node('a', 1000), node('b', undefined)]),
  first,
  'the same heartbeat polled again: unchanged',
);
const second = withLatestSamples(first, [node('a', 2000, 30), node('b', undefined)]);
t.same(
  second.get('a')?.map((s) => s.cpuPercent),
  [10, 30],
  'a new heartbeat is appended',
);

let long: MetricsHistory = empty;
for (let i = 1; i <= HISTORY_SAMPLES + 5; i++) long = withLatestSamples(long, [node('a', i)]);
t.equal(long.get('a')?.length, HISTORY_SAMPLES, `at most ${HISTORY_SAMPLES} samples`);
t.equal(long.get('a')?.[0]?.at, 6, 'the oldest are dropped');

t.same([...withLatestSamples(second, [node('b', 5000)]).keys()], ['b'], 'a node no longer listed is forgotten');
