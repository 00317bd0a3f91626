import t from 'tap';
import { tmpDir } from '../support/tmp.js';
import { waitFor, within } from '../support/wait.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { FakeController, startAttempt, type FakeConnection } from './fake-controller.js';
import { isGone } from './process-state.js';

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

async function setup(t: TapTest): Promise<{ conn: FakeConnection; agent: AgentProcess }> {
  const controller = await FakeController.start(t);
  const agent = startAgent(t, { controllerUrl: controller.url, dir: tmpDir(t), registrationToken: 'tok' });
  const conn = await controller.connection(0);
  await agent.waitForLog('connected to');
  return { conn, agent };
}

/** Pids printed by a command as `name=pid` lines; killed in teardown should the test fail. */
async function pidsOf(t: TapTest, conn: FakeConnection, attemptId: number, names: string[]): Promise<number[]> {
  const output = await waitFor(
    `pids ${names.join(', ')} of attempt ${attemptId}`,
    () => {
      const text = conn.output(attemptId);
      return names.every((n) => new RegExp(`^${n}=\\d+$`, 'm').test(text)) && text;
    },
    { describe: () => conn.describe() },
  );
  const pids = names.map((n) => Number(new RegExp(`^${n}=(\\d+)$`, 'm').exec(output)![1]));
  t.teardown(() => {
    for (const pid of pids) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
  });
  return pids;
}

function allGone(pids: number[]): Promise<true> {
  return waitFor(`processes ${pids.join(', ')} to be gone`, () => pids.every(isGone));
}

// `sleep 300 &` makes a grandchild that outlives the shell unless the whole group is killed
const TREE = 'sleep 300 & echo "bg=$!"; echo "sh=$$"; sleep 300';

t.test('killAttempt kills the whole process tree and reports STOPPED', async (t) => {
  const { conn } = await setup(t);
  conn.send(startAttempt(21, TREE));
  const pids = await pidsOf(t, conn, 21, ['bg', 'sh']);
  t.notOk(pids.some(isGone), 'the tree is running');

  conn.send({ kind: 'killAttempt', attemptId: 21, reason: 'STOPPED' });
  t.match(await conn.waitForFinal(21), { state: 'STOPPED' });
  await allGone(pids);
  t.pass('shell and background grandchild are gone');
});

t.test('killAttempt with reason TIMEOUT reports FAILED TIMEOUT', async (t) => {
  const { conn } = await setup(t);
  conn.send(startAttempt(22, 'echo "sh=$$"; sleep 300'));
  const pids = await pidsOf(t, conn, 22, ['sh']);
  conn.send({ kind: 'killAttempt', attemptId: 22, reason: 'TIMEOUT' });
  t.match(await conn.waitForFinal(22), { state: 'FAILED', failureReason: 'TIMEOUT' });
  await allGone(pids);
});

t.test('timeoutSeconds is enforced by the agent: FAILED TIMEOUT', async (t) => {
  const { conn } = await setup(t);
  const started = Date.now();
  conn.send(startAttempt(23, 'sleep 30', { timeoutSeconds: 1 }));
  const final = await conn.waitForFinal(23);
  t.match(final, { state: 'FAILED', failureReason: 'TIMEOUT', exitCode: null });
  t.match(final.message, 'timeout of 1 s');
  t.ok(Date.now() - started < 10_000, 'ended long before the command would have');
});

t.test('a tree that ignores SIGTERM is SIGKILLed after the grace period', async (t) => {
  const { conn } = await setup(t);
  // an ignored signal stays ignored across fork and exec, so the whole tree ignores SIGTERM
  conn.send(startAttempt(24, `trap '' TERM; ${TREE}`));
  const pids = await pidsOf(t, conn, 24, ['bg', 'sh']);
  conn.send({ kind: 'killAttempt', attemptId: 24, reason: 'STOPPED' });
  t.match(await conn.waitForFinal(24), { state: 'STOPPED', message: /SIGKILL/ });
  await allGone(pids);
});

t.test('background processes left behind by a finished command are killed, and do not delay its end', async (t) => {
  const { conn } = await setup(t);
  conn.send(startAttempt(25, 'sleep 300 & echo "bg=$!"; echo done'));
  t.match(await conn.waitForFinal(25), { state: 'SUCCEEDED', exitCode: 0 });
  const [bg] = await pidsOf(t, conn, 25, ['bg']);
  await allGone([bg!]);
  t.equal(conn.output(25), `bg=${bg}\ndone\n`);
});

t.test('killAttempt for an attempt the agent never started is answered with STOPPED', async (t) => {
  const { conn } = await setup(t);
  conn.send({ kind: 'killAttempt', attemptId: 26, reason: 'STOPPED' });
  t.match(await conn.waitForFinal(26), { state: 'STOPPED' });
  conn.send(startAttempt(26, 'echo too late'));
  conn.send(startAttempt(27, 'true'));
  await conn.waitForFinal(27);
  t.same(conn.chunks(26), [], 'a late start of a stopped attempt does not run it');
});

t.test('SIGTERM stops the agent: attempts are killed, STOPPED is reported, exit 0', async (t) => {
  const { conn, agent } = await setup(t);
  conn.send(startAttempt(28, TREE));
  const pids = await pidsOf(t, conn, 28, ['bg', 'sh']);
  agent.signal('SIGTERM');
  const exit = await within('the agent to exit', agent.exited);
  t.equal(exit.code, 0);
  t.match(conn.final(28), { state: 'STOPPED' });
  await allGone(pids);
  await waitFor('the connection to close', () => conn.closed);
});
