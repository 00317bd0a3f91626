import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { AgentMessage, LogChunk } from '../../protocol/messages.js';
import { tmpDir } from '../support/tmp.js';
import { startAgent } from './agent-process.js';
import { FakeController, NODE_ID, startAttempt, type FakeConnection } from './fake-controller.js';

const TOKEN = 'reg-token-do-not-leak-41d7';

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

async function setup(t: TapTest, env: Record<string, string> = {}): Promise<{ conn: FakeConnection; dir: string }> {
  const controller = await FakeController.start(t);
  const dir = tmpDir(t);
  const agent = startAgent(t, { controllerUrl: controller.url, dir, registrationToken: TOKEN, env });
  const conn = await controller.connection(0);
  await agent.waitForLog('connected to');
  return { conn, dir };
}

/** Chunks of one stream are numbered 0, 1, 2, … and all of them precede the final status. */
function checkOrdering(t: TapTest, received: AgentMessage[], attemptId: number): void {
  const finalAt = received.findIndex(
    (m) => m.kind === 'attemptStatus' && m.attemptId === attemptId && m.state !== 'RUNNING',
  );
  const runningAt = received.findIndex(
    (m) => m.kind === 'attemptStatus' && m.attemptId === attemptId && m.state === 'RUNNING',
  );
  t.ok(runningAt >= 0 && runningAt < finalAt, 'RUNNING is reported before the final status');
  for (const stream of ['stdout', 'stderr'] as const) {
    const chunks = received
      .map((m, i) => ({ m, i }))
      .filter(
        (x): x is { m: LogChunk; i: number } =>
          x.m.kind === 'logChunk' && x.m.attemptId === attemptId && x.m.stream === stream,
      );
    t.same(
      chunks.map((c) => c.m.seq),
      chunks.map((_, i) => i),
      `${stream} seq is contiguous from 0`,
    );
    t.ok(
      chunks.every((c) => c.i < finalAt),
      `every ${stream} chunk arrives before the final status`,
    );
  }
}

t.test('an instance sees its BATCH_* variables and task env; its output arrives in order before its end', async (t) => {
  const { conn, dir } = await setup(t);
  const command = [
    'echo "index=$BATCH_INSTANCE_INDEX attempt=$BATCH_ATTEMPT job=$BATCH_JOB_ID greeting=$GREETING"',
    'echo "name=$BATCH_JOB_NAME task=$BATCH_TASK_NAME count=$BATCH_INSTANCE_COUNT node=$BATCH_NODE_ID env=$BATCH_COMPUTE_ENV"',
    'echo "workdir=$BATCH_WORK_DIR pwd=$(pwd)"',
    'echo oops >&2',
  ].join('; ');
  conn.send(
    startAttempt(11, command, {
      jobId: 'j-42',
      taskName: 'render',
      index: 3,
      count: 5,
      attempt: 2,
      env: { GREETING: 'hello world' },
    }),
  );

  const final = await conn.waitForFinal(11);
  t.match(final, { state: 'SUCCEEDED', exitCode: 0 });
  t.type(final.at, 'number');
  const workDir = join(dir, 'work', 'j-42', 'render', '3', '2');
  t.equal(
    conn.output(11),
    'index=3 attempt=2 job=j-42 greeting=hello world\n' +
      `name=agent-test task=render count=5 node=${NODE_ID} env=local\n` +
      `workdir=${workDir} pwd=${workDir}\n`,
  );
  t.equal(conn.output(11, 'stderr'), 'oops\n');
  checkOrdering(t, conn.received, 11);
});

t.test('a non-zero exit is FAILED with EXIT_CODE and the exit code', async (t) => {
  const { conn } = await setup(t);
  conn.send(startAttempt(12, 'echo about to fail; exit 3'));
  t.match(await conn.waitForFinal(12), { state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 3 });
  t.equal(conn.output(12), 'about to fail\n');
  checkOrdering(t, conn.received, 12);
});

t.test('a process killed by a signal the agent did not send is FAILED with 128 + the signal', async (t) => {
  const { conn } = await setup(t);
  conn.send(startAttempt(13, 'kill -9 $$'));
  const final = await conn.waitForFinal(13);
  t.match(final, { state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 137 });
  t.match(final.message, 'SIGKILL');
});

t.test("the agent's own BATCH_* configuration, such as its token, never reaches an instance", async (t) => {
  const { conn } = await setup(t, { BATCH_NODE_LABELS: 'pool=blue', INHERITED_FROM_AGENT: 'yes' });
  conn.send(startAttempt(14, 'env'));
  t.match(await conn.waitForFinal(14), { state: 'SUCCEEDED' });
  const env = conn.output(14);
  t.notMatch(env, TOKEN);
  t.notMatch(env, 'BATCH_REGISTRATION_TOKEN');
  t.notMatch(env, 'BATCH_NODE_LABELS');
  t.notMatch(env, 'BATCH_CONTROLLER_URL');
  t.match(env, /^INHERITED_FROM_AGENT=yes$/m, 'the rest of the agent environment is inherited');
  t.match(env, new RegExp(`^BATCH_NODE_ID=${NODE_ID}$`, 'm'));
});

t.test('large output is cut into chunks of at most 64 KiB that add up to all of it', async (t) => {
  const { conn } = await setup(t);
  const size = 300_000;
  conn.send(startAttempt(15, `head -c ${size} /dev/zero | tr '\\0' x`));
  t.match(await conn.waitForFinal(15), { state: 'SUCCEEDED' });
  const chunks = conn.chunks(15);
  t.equal(conn.output(15), 'x'.repeat(size));
  t.ok(chunks.length >= Math.ceil(size / 65536), `${chunks.length} chunks`);
  t.ok(
    chunks.every((c) => c.data.byteLength <= 65536),
    'no chunk exceeds 64 KiB',
  );
  checkOrdering(t, conn.received, 15);
});

t.test('a duplicate startAttempt for a known attempt is ignored', async (t) => {
  const { conn } = await setup(t);
  conn.send(startAttempt(16, 'echo once'), startAttempt(16, 'echo once'));
  await conn.waitForFinal(16);
  conn.send(startAttempt(16, 'echo once'));
  conn.send(startAttempt(17, 'echo next'));
  await conn.waitForFinal(17);
  t.equal(conn.output(16), 'once\n');
  t.equal(conn.statuses(16).length, 2, 'one RUNNING and one final status');
});

t.test('a work dir that cannot be created fails the attempt with AGENT_ERROR', async (t) => {
  const { conn, dir } = await setup(t);
  // The agent makes the work root at start; a file where this job's dir should be is in the way.
  writeFileSync(join(dir, 'work', 'j-blocked'), 'a file where the job dir should be');
  conn.send(startAttempt(18, 'echo never', { jobId: 'j-blocked' }));
  const final = await conn.waitForFinal(18);
  t.match(final, { state: 'FAILED', failureReason: 'AGENT_ERROR' });
  t.match(final.message, 'work dir');
  t.equal(conn.statuses(18).length, 1, 'no RUNNING for an attempt that never ran');
});
