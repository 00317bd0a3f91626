/**
 * Placement (SPEC §1–§3, §8): which ready instances go to which node, in which order, and the
 * pending reason of every instance left waiting.
 */
import t from 'tap';
import { canEverPlace, place } from '../../controller/scheduler/place.js';
import { group, node, placedCount, placementsOf, quotas, reasonsOf } from './snapshots.js';

const noQuotas = quotas({});

t.test('order: priority first, then FIFO by submission, then DAG position', async (t) => {
  t.test('a higher priority goes first whatever its submission order', async (t) => {
    const plan = place(
      [group('old-low', { priority: 0, seq: 1 }), group('new-high', { priority: 10, seq: 2 })],
      [node('n1', { cpu: 1 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['new-high@n1 ×1']);
    t.same(reasonsOf(plan), { 'old-low': 'PRIORITY' });
  });

  t.test('within a priority, the earlier job goes first', async (t) => {
    const plan = place([group('second', { seq: 2 }), group('first', { seq: 1 })], [node('n1', { cpu: 1 })], noQuotas);
    t.same(placementsOf(plan), ['first@n1 ×1']);
  });

  t.test('within a job, the earlier DAG position goes first', async (t) => {
    const plan = place(
      [group('later', { job: 'j', seq: 5, position: 3 }), group('earlier', { job: 'j', seq: 5, position: 1 })],
      [node('n1', { cpu: 1 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['earlier@n1 ×1']);
  });

  t.test('all three keys together', async (t) => {
    const groups = [
      group('p0-s1', { priority: 0, seq: 1 }),
      group('p5-s3-pos0', { priority: 5, seq: 3, position: 0 }),
      group('p5-s2-pos1', { priority: 5, seq: 2, position: 1 }),
      group('p5-s2-pos0', { priority: 5, seq: 2, position: 0 }),
      group('neg', { priority: -1, seq: 0 }),
    ];
    const plan = place(groups, [node('n1', { cpu: 5 })], noQuotas);
    t.same(
      plan.placements.map((p) => p.task),
      ['p5-s2-pos0', 'p5-s2-pos1', 'p5-s3-pos0', 'p0-s1', 'neg'],
    );
  });

  t.test('the input is not reordered', async (t) => {
    const groups = [group('b', { seq: 2 }), group('a', { seq: 1 })];
    place(groups, [node('n1')], noQuotas);
    t.same(
      groups.map((g) => g.taskName),
      ['b', 'a'],
    );
  });
});

t.test('slot packing by cpu', async (t) => {
  t.test('a 4-cpu node takes 4 one-cpu instances', async (t) => {
    const plan = place([group('render', { pending: 6, cpu: 1 })], [node('n1', { cpu: 4 })], noQuotas);
    t.same(placementsOf(plan), ['render@n1 ×4']);
    t.same(reasonsOf(plan), { render: 'NO_CAPACITY' });
  });

  t.test('a 4-cpu node takes 2 two-cpu instances', async (t) => {
    const plan = place([group('render', { pending: 3, cpu: 2 })], [node('n1', { cpu: 4 })], noQuotas);
    t.same(placementsOf(plan), ['render@n1 ×2']);
    t.same(reasonsOf(plan), { render: 'NO_CAPACITY' });
  });

  t.test('fractional cpus', async (t) => {
    t.equal(
      placedCount(place([group('half', { pending: 10, cpu: 0.5 })], [node('n1', { cpu: 4 })], noQuotas), 'half'),
      8,
    );
    t.equal(placedCount(place([group('x', { pending: 10, cpu: 1.5 })], [node('n1', { cpu: 4 })], noQuotas), 'x'), 2);
    t.equal(
      placedCount(place([group('tenth', { pending: 20, cpu: 0.1 })], [node('n1', { cpu: 1 })], noQuotas), 'tenth'),
      10,
      'no float rounding loss',
    );
  });

  t.test('groups share a node: what one takes the next cannot', async (t) => {
    const plan = place(
      [group('a', { pending: 3, seq: 1 }), group('b', { pending: 3, seq: 2 })],
      [node('n1', { cpu: 4 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['a@n1 ×3', 'b@n1 ×1']);
    t.same(reasonsOf(plan), { b: 'NO_CAPACITY' });
  });

  t.test('the node with the most free room is filled first; ties by node id', async (t) => {
    const plan = place(
      [group('render', { pending: 7 })],
      [node('small', { cpu: 2 }), node('big', { cpu: 4 }), node('b-twin', { cpu: 2 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['render@big ×4', 'render@b-twin ×2', 'render@small ×1']);
    t.same(
      plan.placements[0]!.resources,
      { cpu: 1, memoryMiB: 0, gpu: 0 },
      'each placement carries the per-instance resources',
    );
  });

  t.test('everything placed: no pending reason', async (t) => {
    const plan = place([group('render', { pending: 4 })], [node('n1', { cpu: 4 })], noQuotas);
    t.same(plan.reasons, []);
  });
});

t.test('memory and gpu limits are respected', async (t) => {
  t.test('memory caps the count before cpu does', async (t) => {
    const plan = place(
      [group('big-mem', { pending: 5, cpu: 1, memoryMiB: 3000 })],
      [node('n1', { cpu: 8, memoryMiB: 8192 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['big-mem@n1 ×2']);
    t.same(reasonsOf(plan), { 'big-mem': 'NO_CAPACITY' });
  });

  t.test('gpus cap the count', async (t) => {
    const plan = place([group('train', { pending: 3, cpu: 1, gpu: 1 })], [node('n1', { cpu: 8, gpu: 2 })], noQuotas);
    t.same(placementsOf(plan), ['train@n1 ×2']);
  });

  t.test('instances that need no gpu do not count gpus', async (t) => {
    const plan = place([group('cpu-only', { pending: 3 })], [node('n1', { cpu: 4, gpu: 0 })], noQuotas);
    t.same(placementsOf(plan), ['cpu-only@n1 ×3']);
  });

  t.test('memory taken by one group is gone for the next', async (t) => {
    const plan = place(
      [group('a', { priority: 5, memoryMiB: 6000 }), group('b', { priority: 1, memoryMiB: 4000 })],
      [node('n1', { cpu: 8, memoryMiB: 8192 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['a@n1 ×1']);
    t.same(reasonsOf(plan), { b: 'PRIORITY' });
  });
});

t.test('nodeSelector: every selected label must match', async (t) => {
  const nodes = [
    node('linux-1', { labels: { os: 'linux', zone: 'a' } }),
    node('linux-2', { labels: { os: 'linux', zone: 'b' } }),
    node('win-1', { labels: { os: 'windows', zone: 'a' } }),
  ];
  t.same(placementsOf(place([group('w', { pending: 2, selector: { os: 'windows' } })], nodes, noQuotas)), [
    'w@win-1 ×2',
  ]);
  t.same(placementsOf(place([group('la', { pending: 8, selector: { os: 'linux', zone: 'a' } })], nodes, noQuotas)), [
    'la@linux-1 ×4',
  ]);
  t.same(placementsOf(place([group('mac', { selector: { os: 'darwin' } })], nodes, noQuotas)), []);
  t.equal(
    placedCount(place([group('unlabelled', { pending: 12 })], nodes, noQuotas), 'unlabelled'),
    12,
    'no selector: any node of the environment',
  );
});

t.test('environment isolation: a task of env A never lands on env B nodes', async (t) => {
  const nodes = [node('a-full', { env: 'env-a', allocated: { cpu: 4 } }), node('b-empty', { env: 'env-b', cpu: 64 })];
  const plan = place([group('render', { env: 'env-a', pending: 2 })], nodes, noQuotas);
  t.same(plan.placements, []);
  t.same(reasonsOf(plan), { render: 'NO_CAPACITY' });

  const both = place(
    [group('in-a', { env: 'env-a' }), group('in-b', { env: 'env-b', pending: 3 })],
    [node('a1', { env: 'env-a' }), node('b1', { env: 'env-b' })],
    noQuotas,
  );
  t.same(placementsOf(both), ['in-a@a1 ×1', 'in-b@b1 ×3']);
});

t.test('capacity already allocated to running attempts is respected', async (t) => {
  t.same(placementsOf(place([group('r', { pending: 4 })], [node('n1', { cpu: 4, allocated: { cpu: 3 } })], noQuotas)), [
    'r@n1 ×1',
  ]);
  t.same(
    placementsOf(
      place(
        [group('m', { pending: 4, memoryMiB: 1024 })],
        [node('n1', { cpu: 8, memoryMiB: 4096, allocated: { memoryMiB: 2048 } })],
        noQuotas,
      ),
    ),
    ['m@n1 ×2'],
  );
  t.same(
    placementsOf(
      place([group('g', { pending: 4, gpu: 1 })], [node('n1', { cpu: 8, gpu: 4, allocated: { gpu: 3 } })], noQuotas),
    ),
    ['g@n1 ×1'],
  );
  const over = place([group('r')], [node('n1', { cpu: 4, allocated: { cpu: 5 } })], noQuotas);
  t.same(over.placements, [], 'a node whose capacity shrank below its load takes nothing');
  t.same(reasonsOf(over), { r: 'NO_CAPACITY' });
});

t.test('pending reasons', async (t) => {
  t.test('NO_MATCHING_NODE: no node in the environment', async (t) => {
    const plan = place([group('r', { env: 'env-x' })], [node('n1', { env: 'env-a' })], noQuotas);
    t.same(reasonsOf(plan), { r: 'NO_MATCHING_NODE' });
  });

  t.test("with several controllers: a group only another controller's nodes can run gets no reason here", async (t) => {
    const here = [node('n1', { env: 'env-a' })];
    const provisioning = { nodes: new Map<string, number>(), elastic: new Set<string>() };
    const theirs = place([group('r', { env: 'env-x' })], here, noQuotas, provisioning, [node('n2', { env: 'env-x' })]);
    t.same(placementsOf(theirs), []);
    t.same(reasonsOf(theirs), {}, 'the controller holding n2 places it and says why it waits');
    const nobody = place([group('r', { env: 'env-x' })], here, noQuotas, provisioning, [node('n2', { env: 'env-b' })]);
    t.same(reasonsOf(nobody), { r: 'NO_MATCHING_NODE' }, 'no node anywhere matches');
  });

  t.test('NO_MATCHING_NODE: no node has the selected labels', async (t) => {
    const plan = place([group('r', { selector: { gpu: 'a100' } })], [node('n1', { labels: { gpu: 't4' } })], noQuotas);
    t.same(reasonsOf(plan), { r: 'NO_MATCHING_NODE' });
  });

  t.test('NO_MATCHING_NODE: every node is too small, even empty', async (t) => {
    const nodes = [node('n1', { cpu: 4, memoryMiB: 8192, gpu: 1 })];
    t.same(reasonsOf(place([group('cpu', { cpu: 8 })], nodes, noQuotas)), { cpu: 'NO_MATCHING_NODE' });
    t.same(reasonsOf(place([group('mem', { memoryMiB: 16384 })], nodes, noQuotas)), { mem: 'NO_MATCHING_NODE' });
    t.same(reasonsOf(place([group('gpu', { gpu: 2 })], nodes, noQuotas)), { gpu: 'NO_MATCHING_NODE' });
  });

  t.test('NO_MATCHING_NODE: no node at all', async (t) => {
    t.same(reasonsOf(place([group('r')], [], noQuotas)), { r: 'NO_MATCHING_NODE' });
  });

  t.test('NO_CAPACITY: the matching nodes are full', async (t) => {
    const plan = place(
      [group('r', { pending: 2 })],
      [node('n1', { allocated: { cpu: 4 } }), node('n2', { allocated: { cpu: 3.5 } })],
      noQuotas,
    );
    t.same(plan.placements, []);
    t.same(reasonsOf(plan), { r: 'NO_CAPACITY' });
  });

  t.test('PRIORITY: there was room, but a higher-priority group took it', async (t) => {
    const plan = place(
      [group('low', { priority: 1, pending: 2 }), group('high', { priority: 9, pending: 3 })],
      [node('n1', { cpu: 3 })],
      noQuotas,
    );
    t.same(placementsOf(plan), ['high@n1 ×3']);
    t.same(reasonsOf(plan), { low: 'PRIORITY' });
  });

  t.test('QUOTA: the owner already runs maxRunning instances', async (t) => {
    const plan = place(
      [group('r', { owner: 'alice', pending: 2 })],
      [node('n1')],
      quotas({ alice: { running: 20, maxRunning: 20 } }),
    );
    t.same(plan.placements, []);
    t.same(reasonsOf(plan), { r: 'QUOTA' });
  });

  t.test('QUOTA: only what is left of the quota is placed', async (t) => {
    const plan = place(
      [group('r', { owner: 'alice', pending: 4 })],
      [node('n1', { cpu: 8 })],
      quotas({ alice: { running: 17, maxRunning: 20 } }),
    );
    t.same(placementsOf(plan), ['r@n1 ×3']);
    t.same(reasonsOf(plan), { r: 'QUOTA' });
  });

  t.test("QUOTA is shared across an owner's groups in one pass", async (t) => {
    const plan = place(
      [
        group('a1', { owner: 'alice', seq: 1, pending: 2 }),
        group('b1', { owner: 'bob', seq: 2, pending: 2 }),
        group('a2', { owner: 'alice', seq: 3, pending: 2 }),
        group('a3', { owner: 'alice', seq: 4, pending: 1 }),
      ],
      [node('n1', { cpu: 16 })],
      quotas({ alice: { running: 1, maxRunning: 4 }, bob: { running: 0, maxRunning: 2 } }),
    );
    t.same(placementsOf(plan), ['a1@n1 ×2', 'b1@n1 ×2', 'a2@n1 ×1']);
    t.same(reasonsOf(plan), { a2: 'QUOTA', a3: 'QUOTA' });
  });

  t.test('an owner without a quota entry is not limited', async (t) => {
    const plan = place(
      [group('r', { owner: 'carol', pending: 5 })],
      [node('n1', { cpu: 8 })],
      quotas({ alice: { running: 0, maxRunning: 1 } }),
    );
    t.equal(placedCount(plan, 'r'), 5);
  });

  t.test('NO_CAPACITY when part of the group was placed', async (t) => {
    const plan = place([group('r', { pending: 5 })], [node('n1', { cpu: 2 })], noQuotas);
    t.same(placementsOf(plan), ['r@n1 ×2']);
    t.same(reasonsOf(plan), { r: 'NO_CAPACITY' });
  });
});

t.test('canEverPlace: some node of the environment could run one instance, ignoring load', async (t) => {
  const nodes = [
    node('linux', { env: 'env-a', cpu: 8, memoryMiB: 32768, gpu: 0, labels: { os: 'linux' }, allocated: { cpu: 8 } }),
    node('gpu', { env: 'env-a', cpu: 4, memoryMiB: 8192, gpu: 2, labels: { os: 'linux', gpu: 'a100' } }),
    node('other', { env: 'env-b', cpu: 64, memoryMiB: 262144, gpu: 8 }),
  ];
  const want = (over: Parameters<typeof group>[1]) => group('x', over);
  t.ok(canEverPlace(want({ cpu: 8 }), nodes), 'a fully loaded node still counts');
  t.ok(canEverPlace(want({ gpu: 2, selector: { gpu: 'a100' } }), nodes));
  t.notOk(canEverPlace(want({ cpu: 16 }), nodes), 'bigger than any node of env-a (env-b has one)');
  t.notOk(canEverPlace(want({ gpu: 3 }), nodes));
  t.notOk(canEverPlace(want({ memoryMiB: 65536 }), nodes));
  t.notOk(canEverPlace(want({ selector: { os: 'windows' } }), nodes));
  t.notOk(
    canEverPlace(want({ cpu: 8, selector: { gpu: 'a100' } }), nodes),
    'both the selector and the size on the same node',
  );
  t.notOk(canEverPlace(want({ env: 'env-c' }), nodes));
  t.ok(canEverPlace(want({ env: 'env-b', cpu: 64 }), nodes));
  t.notOk(canEverPlace(want({}), []));
});

t.test('the most free room is measured for the task: the node that can take most of it goes first', async (t) => {
  // n-cpu has more free cpu, but memory lets it take 2 of these; n-mem can take 4.
  const nodes = [node('n-cpu', { cpu: 8, memoryMiB: 4096 }), node('n-mem', { cpu: 4, memoryMiB: 16384 })];
  const plan = place([group('mem-hungry', { pending: 1, memoryMiB: 2048 })], nodes, noQuotas);
  t.same(placementsOf(plan), ['mem-hungry@n-mem ×1']);
  const cpuOnly = place([group('cpu-bound', { pending: 1 })], nodes, noQuotas);
  t.same(placementsOf(cpuOnly), ['cpu-bound@n-cpu ×1'], 'for a task that needs only cpu, free cpu decides');
  const gpu = place(
    [group('render', { pending: 1, gpu: 1 })],
    [node('n-big', { cpu: 32, gpu: 1 }), node('n-gpus', { cpu: 4, gpu: 4 })],
    noQuotas,
  );
  t.same(placementsOf(gpu), ['render@n-gpus ×1'], 'a GPU task goes where GPUs are free');
});
