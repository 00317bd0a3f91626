/**
 * Heartbeat metrics come from Node itself: real readings of this host, no child process, and
 * zeros from a probe that fails.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import t from 'tap';
import { busyPercent, cpuTimes, MetricsReader } from '../../agent/metrics.js';
import { tmpDir } from '../support/tmp.js';

t.test('the busy share of CPU time between two readings', async (t) => {
  t.equal(busyPercent({ busy: 0, total: 0 }, { busy: 25, total: 100 }), 25, 'first reading: since boot');
  t.equal(busyPercent({ busy: 25, total: 100 }, { busy: 125, total: 300 }), 50);
  t.equal(busyPercent({ busy: 25, total: 100 }, { busy: 25, total: 100 }), 0, 'no time passed');
  t.equal(busyPercent({ busy: 25, total: 100 }, { busy: 10, total: 50 }), 0, 'counters went back: never negative');
  const now = cpuTimes();
  t.ok(now.total > 0 && now.busy >= 0 && now.busy <= now.total, 'this host reports CPU times');
});

t.test('a reading of this host starts no child process', async (t) => {
  const spawned: unknown[] = [];
  const onSpawn = (message: unknown) => spawned.push(message);
  subscribe('child_process', onSpawn);
  t.teardown(() => unsubscribe('child_process', onSpawn));

  const reader = new MetricsReader(tmpDir(t));
  const first = await reader.read();
  const second = await reader.read();
  t.same(spawned, [], 'no child process');
  t.equal(first.memoryTotalMiB, Math.round(totalmem() / 1024 / 1024));
  t.ok(first.memoryUsedMiB > 0 && first.memoryUsedMiB <= first.memoryTotalMiB);
  t.ok(first.diskTotalMiB > 0 && first.diskFreeMiB <= first.diskTotalMiB, 'the disk under the agent dir');
  for (const m of [first, second]) t.ok(m.cpuPercent >= 0 && m.cpuPercent <= 100, `cpu ${m.cpuPercent}%`);
  t.ok(second.at >= first.at);
});

t.test('a probe that fails reports zeros, the others still answer', async (t) => {
  const reader = new MetricsReader(join(tmpDir(t), 'gone'));
  const metrics = await reader.read();
  t.match(metrics, { diskFreeMiB: 0, diskTotalMiB: 0 });
  t.ok(metrics.memoryTotalMiB > 0);
});
