/**
 * A node (re)connects: planResync brings it and the database into agreement. The database is the
 * truth; what the node says it runs (`hello.running`) is compared with the active attempts.
 */
import t from 'tap';
import { startMessage } from '../../controller/gateway/start-message.js';
import { planResync } from '../../controller/gateway/resync.js';
import { nextInstanceState } from '../../controller/reports/outcome.js';
import { decodeControllerFrame, encodeFrame } from '../../protocol/codec.js';
import { resolveTask } from '../../protocol/spec.js';

type ActiveRow = Parameters<typeof planResync>[1][number];

const NOW = 1_790_000_000_000;
const NODE = 'node-1';

const spec = resolveTask(
  {
    name: 'render',
    command: 'render.sh --frame "$BATCH_INSTANCE_INDEX"',
    env: { QUALITY: 'high' },
    timeoutSeconds: 600,
    instances: 4,
  },
  0,
);

/** An attempt the database has as active on NODE. */
function active(
  attemptId: number,
  state: 'SCHEDULED' | 'RUNNING',
  desired: 'run' | 'stop' = 'run',
  index = 0,
): ActiveRow {
  return {
    attempt_id: attemptId,
    attempt: 1,
    node_id: NODE,
    owner_id: 'u-alice',
    owner_number: 2,
    state,
    desired,
    job_id: 'job-1',
    job_name: 'nightly',
    task_name: 'render',
    index,
    count: 4,
    environment: 'render-pool',
    spec,
  };
}

t.test('a SCHEDULED attempt the node does not know is sent again', async (t) => {
  const plan = planResync(NODE, [{ ...active(7, 'SCHEDULED', 'run', 2), attempt: 3 }], [], NOW);
  t.same(plan.messages, [], 'no kill');
  const starts = plan.starts.map(startMessage);
  t.same(starts, [
    {
      kind: 'startAttempt',
      attemptId: 7,
      jobId: 'job-1',
      jobName: 'nightly',
      tenant: 'u-alice',
      tenantNumber: 2,
      taskName: 'render',
      index: 2,
      count: 4,
      attempt: 3,
      command: 'render.sh --frame "$BATCH_INSTANCE_INDEX"',
      env: { QUALITY: 'high' },
      timeoutSeconds: 600,
      computeEnvironment: 'render-pool',
      resources: spec.resources,
    },
  ]);
  t.same(plan.lost, []);
  t.same(decodeControllerFrame(encodeFrame(starts)).messages, starts, 'the message is valid on the wire');
});

t.test('a SCHEDULED attempt the node already knows is left alone (its report is on the way)', async (t) => {
  t.same(planResync(NODE, [active(7, 'SCHEDULED')], [7], NOW), { messages: [], starts: [], lost: [] });
});

t.test('a RUNNING attempt the node knows is left alone', async (t) => {
  t.same(planResync(NODE, [active(7, 'RUNNING')], [7], NOW), { messages: [], starts: [], lost: [] });
});

t.test('a RUNNING attempt the node does not know fails with AGENT_ERROR, which re-queues it for free', async (t) => {
  const plan = planResync(NODE, [active(8, 'RUNNING')], [], NOW);
  t.same(plan.messages, [], 'never started again behind the database');
  t.equal(plan.lost.length, 1);
  const [report] = plan.lost;
  t.match(report, {
    attemptId: 8,
    nodeId: NODE,
    state: 'FAILED',
    exitCode: null,
    failureReason: 'AGENT_ERROR',
    at: NOW,
  });
  t.match(report?.message, /no longer knows/);
  t.equal(
    nextInstanceState(
      { state: report!.state, failureReason: report!.failureReason, exitCode: report!.exitCode },
      { retries: 0, failuresBefore: 0 },
      'run',
    ),
    'PENDING',
    'the instance runs again without spending a retry',
  );
});

t.test('an attempt whose job is stopping is killed with reason STOPPED', async (t) => {
  const plan = planResync(NODE, [active(9, 'RUNNING', 'stop'), active(10, 'SCHEDULED', 'stop')], [9, 10], NOW);
  t.same(plan.messages, [
    { kind: 'killAttempt', attemptId: 9, reason: 'STOPPED' },
    { kind: 'killAttempt', attemptId: 10, reason: 'STOPPED' },
  ]);
  t.same(plan.lost, []);
});

t.test('a stopping attempt the node does not know is not started', async (t) => {
  const plan = planResync(NODE, [active(11, 'SCHEDULED', 'stop')], [], NOW);
  t.notOk(plan.messages.some((m) => m.kind === 'startAttempt'));
  t.same(
    plan.messages,
    [{ kind: 'killAttempt', attemptId: 11, reason: 'STOPPED' }],
    'the agent answers a kill of an unknown attempt by reporting it ended',
  );
});

t.test('an attempt the node runs that the database no longer has active is killed as SUPERSEDED', async (t) => {
  const plan = planResync(NODE, [active(7, 'RUNNING')], [7, 42, 43], NOW);
  t.same(plan.messages, [
    { kind: 'killAttempt', attemptId: 42, reason: 'SUPERSEDED' },
    { kind: 'killAttempt', attemptId: 43, reason: 'SUPERSEDED' },
  ]);
  t.same(plan.lost, []);
});

t.test('everything at once: one decision per attempt', async (t) => {
  const plan = planResync(
    NODE,
    [
      active(1, 'SCHEDULED'),
      active(2, 'SCHEDULED'),
      active(3, 'RUNNING'),
      active(4, 'RUNNING'),
      active(5, 'RUNNING', 'stop'),
    ],
    [2, 4, 5, 99, 99],
    NOW,
  );
  t.same(
    [
      ...plan.starts.map((a) => `start ${a.attemptId}`),
      ...plan.messages.map((m) => (m.kind === 'killAttempt' ? `kill ${m.attemptId} ${m.reason}` : m.kind)),
    ],
    ['start 1', 'kill 5 STOPPED', 'kill 99 SUPERSEDED'],
  );
  t.same(
    plan.lost.map((r) => r.attemptId),
    [3],
  );
});

t.test('a node that knows nothing and has nothing gets nothing', async (t) => {
  t.same(planResync(NODE, [], [], NOW), { messages: [], starts: [], lost: [] });
});
