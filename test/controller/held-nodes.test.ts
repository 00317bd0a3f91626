/**
 * What a controller sends the nodes it holds when a notification was lost
 * (controller/cluster/held-nodes.ts): the periodic check finds in the database the attempts
 * marked to stop and the starts that never arrived, sends each once (not again within 10 s), and
 * sends nothing to nodes held elsewhere.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import type { ControllerMessage, StartAttempt } from '../../protocol/messages.js';
import { ClusterBus } from '../../controller/cluster/bus.js';
import { HeldNodes } from '../../controller/cluster/held-nodes.js';
import { systemClock } from '../../controller/clock.js';
import { SessionRegistry } from '../../controller/gateway/registry.js';
import { silentLogger } from '../../controller/log.js';
import { applyPlacements } from '../../controller/scheduler/apply.js';
import { makeApi } from './api-harness.js';

const resources = { cpu: 1, memoryMiB: 64, gpu: 0 };

t.test('the periodic check sends missed kills and starts to held nodes, once', async (t) => {
  const api = await makeApi(t);
  const jobId = (
    await api.request('POST', '/v1/jobs', { name: 'h', tasks: [{ name: 't', command: 'true', instances: 3 }] })
  ).body.id as string;
  const placed = await applyPlacements(api.store, [
    { jobId, task: 't', nodeId: 'n-here', count: 2, resources },
    { jobId, task: 't', nodeId: 'n-elsewhere', count: 1, resources },
  ]);
  const [stopHere, lateHere] = placed.filter((a) => a.nodeId === 'n-here').map((a) => a.attemptId);
  const there = placed.find((a) => a.nodeId === 'n-elsewhere')!.attemptId;
  // A stop whose notification was lost, and a start claimed a while ago that never arrived.
  await api.store.db.execute(sql`UPDATE attempts SET desired = 'stop' WHERE id IN (${stopHere}, ${there})`);
  await api.store.db.execute(sql`UPDATE attempts SET created_at = now() - interval '1 minute' WHERE id = ${lateHere}`);

  const sent: ControllerMessage[] = [];
  const registry = new SessionRegistry();
  registry.add({ nodeId: 'n-here', send: (m) => sent.push(...m), close: () => {} });
  const held = new HeldNodes({
    store: api.store,
    registry,
    bus: new ClusterBus(api.store, 'ctl-test', silentLogger),
    clock: systemClock,
    log: silentLogger,
    prepare: (attempts) =>
      Promise.resolve(attempts.map((a) => ({ kind: 'startAttempt', attemptId: a.attemptId }) as StartAttempt)),
  });

  await held.sync();
  t.same(
    sent.map((m) => [m.kind, 'attemptId' in m ? m.attemptId : undefined]).sort(),
    [
      ['killAttempt', stopHere],
      ['startAttempt', lateHere],
    ].sort(),
    'the kill and the late start, to the node held here only',
  );
  sent.length = 0;
  await held.sync();
  t.same(sent, [], 'nothing again within the resend interval');

  held.kills([{ attemptId: there, nodeId: 'n-elsewhere' }]);
  t.same(sent, [], 'a kill for a node held elsewhere is not sent here (its controller is told)');
});
