/** The pure plan of an environment with a provider: what to create, what to let go, and why. */
import t from 'tap';
import { nodesFor, planPool, type PoolEnvironment, type PoolNode } from '../../controller/environments/pool-plan.js';

const NOW = 1_000_000;
const limits = { quota: 100, bootTimeoutMs: 60_000, createBlockedUntilMs: 0 };
const managed = (desiredNodes: number): PoolEnvironment => ({
  type: 'managed',
  desiredNodes,
  maxNodes: null,
  idleTimeoutMs: 60_000,
  template: {},
  deleting: false,
});
const auto = (maxNodes: number, template = {}): PoolEnvironment => ({
  type: 'auto',
  desiredNodes: 0,
  maxNodes,
  idleTimeoutMs: 60_000,
  template,
  deleting: false,
});
let seq = 0;
const node = (over: Partial<PoolNode> = {}): PoolNode => ({
  id: `n${++seq}`,
  state: 'READY',
  desired: 'run',
  busy: false,
  createdAtMs: NOW - 1000,
  idleSinceMs: null,
  ...over,
});

t.test('managed: creates what is missing, up to the quota', async (t) => {
  t.same(planPool(managed(3), [node()], [], limits, NOW), { create: 2, terminate: [] });
  t.equal(planPool(managed(3), [], [], { ...limits, quota: 2 }, NOW).create, 2);
  t.equal(planPool(managed(3), [], [], { ...limits, createBlockedUntilMs: NOW + 1 }, NOW).create, 0, 'backing off');
});

t.test('managed: a lost node and one that did not boot in time are let go and replaced', async (t) => {
  const lost = node({ state: 'LOST' });
  const late = node({ state: 'PROVISIONING', createdAtMs: NOW - 61_000 });
  const plan = planPool(managed(2), [lost, late], [], limits, NOW);
  t.equal(plan.create, 2);
  t.same(
    plan.terminate.map((x) => x.id),
    [lost.id, late.id],
  );
  t.match(plan.terminate[1]!.why, /did not register within 60 s/);
});

t.test('managed: scale-in takes booting nodes, then idle ones, then busy ones (which drain first)', async (t) => {
  const busy = node({ busy: true });
  const idle = node();
  const booting = node({ state: 'PROVISIONING' });
  const plan = planPool(managed(1), [busy, idle, booting], [], limits, NOW);
  t.same(
    plan.terminate.map((x) => x.id),
    [booting.id, idle.id],
  );
  t.same(
    planPool(managed(0), [busy], [], limits, NOW).terminate.map((x) => x.id),
    [busy.id],
  );
  t.same(planPool(managed(1), [busy, node({ desired: 'terminate' })], [], limits, NOW), { create: 0, terminate: [] });
});

t.test('auto: nodes for the waiting instances, counting spare ones, up to maxNodes', async (t) => {
  const demand = [{ pending: 5, cpu: 1, memoryMiB: 0, gpu: 0 }];
  t.equal(planPool(auto(10), [], demand, limits, NOW).create, 5, 'a node each when the size is unknown');
  t.equal(planPool(auto(3), [], demand, limits, NOW).create, 3, 'maxNodes');
  t.equal(planPool(auto(10, { cpu: 2 }), [], demand, limits, NOW).create, 3, 'two per 2-cpu node');
  t.equal(planPool(auto(10), [node(), node({ state: 'PROVISIONING' })], demand, limits, NOW).create, 3, 'spares');
  t.equal(planPool(auto(10), [node({ busy: true })], demand, limits, NOW).create, 5, 'a busy node is no spare');
});

t.test('auto: an idle node goes after the idle timeout, not before', async (t) => {
  const fresh = node({ idleSinceMs: NOW - 59_000 });
  const stale = node({ idleSinceMs: NOW - 60_000 });
  const plan = planPool(auto(10), [fresh, stale, node({ busy: true })], [], limits, NOW);
  t.same(
    plan.terminate.map((x) => x.id),
    [stale.id],
  );
  t.match(plan.terminate[0]!.why, /idle for 60 s/);
});

t.test('deleting: every node goes and none is made', async (t) => {
  const plan = planPool({ ...managed(3), deleting: true }, [node(), node({ busy: true })], [], limits, NOW);
  t.equal(plan.create, 0);
  t.equal(plan.terminate.length, 2);
});

t.test('nodesFor: a task no node of the template can hold asks for none', async (t) => {
  t.equal(nodesFor([{ pending: 4, cpu: 8, memoryMiB: 0, gpu: 0 }], { cpu: 4 }), 0);
  t.equal(nodesFor([{ pending: 4, cpu: 1, memoryMiB: 3000, gpu: 0 }], { cpu: 4, memoryMiB: 8000 }), 2);
  t.equal(nodesFor([{ pending: 3, cpu: 1, memoryMiB: 0, gpu: 1 }], { cpu: 8, gpu: 2 }), 2);
});
