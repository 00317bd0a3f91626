/**
 * GPUs end to end: the real agent with a fake nvidia-smi first on its PATH, against a fake
 * controller. The node advertises what nvidia-smi lists; each attempt is shown only the devices
 * it was given, which no other attempt holds until it has ended, however it ended.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { StartAttempt } from '../../protocol/messages.js';
import { tmpDir } from '../support/tmp.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { FakeController, startAttempt, type FakeConnection } from './fake-controller.js';
import { fakeGpus, fakeNvidiaSmi, pathWith, type FakeBehaviour } from './fake-nvidia-smi.js';

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

interface Node {
  controller: FakeController;
  conn: FakeConnection;
  agent: AgentProcess;
  dir: string;
  path: string;
}

async function gpuNode(t: TapTest, nvidiaSmi: FakeBehaviour, env: Record<string, string> = {}): Promise<Node> {
  const controller = await FakeController.start(t);
  const dir = tmpDir(t);
  const path = pathWith(fakeNvidiaSmi(t, nvidiaSmi));
  const agent = startAgent(t, {
    controllerUrl: controller.url,
    dir,
    registrationToken: 'tok',
    env: { PATH: path, ...env },
  });
  // a hanging nvidia-smi holds the start for its 5 s timeout
  const conn = await controller.connection(0, 20_000);
  await agent.waitForLog('connected to');
  return { controller, conn, agent, dir, path };
}

/** Prints the GPU variables (`unset` when they are), then waits for `release` if asked to. */
function gpuTask(id: number, gpu: number | undefined, opts: { hold?: boolean } & Partial<StartAttempt> = {}) {
  const { hold, ...extra } = opts;
  const show = 'echo "cuda=[${CUDA_VISIBLE_DEVICES-unset}] nvidia=[${NVIDIA_VISIBLE_DEVICES-unset}]"';
  const wait = hold ? '; while [ ! -f go ]; do sleep 0.02; done' : '';
  return startAttempt(id, show + wait, {
    index: id, // a work dir of its own
    ...(gpu === undefined ? {} : { resources: { cpu: 1, memoryMiB: 0, gpu } }),
    ...extra,
  });
}

/** The devices an attempt was shown: what it printed for CUDA_VISIBLE_DEVICES, split. */
async function devicesOf(conn: FakeConnection, id: number): Promise<string[]> {
  const out = await conn.waitForOutput(id, 'cuda=');
  const cuda = /cuda=\[([^\]]*)\]/.exec(out)![1]!;
  const nvidia = /nvidia=\[([^\]]*)\]/.exec(out)![1]!;
  if (cuda !== nvidia) throw new Error(`CUDA_VISIBLE_DEVICES ${cuda} but NVIDIA_VISIBLE_DEVICES ${nvidia}`);
  return cuda.split(',');
}

function release(node: Node, id: number): void {
  writeFileSync(join(node.dir, 'work', 'j-test', 'work', String(id), '1', 'go'), '');
}

t.test('the GPUs nvidia-smi lists are advertised and given out one attempt at a time', async (t) => {
  const gpus = fakeGpus(3);
  const uuids = gpus.map((g) => g.uuid);
  const node = await gpuNode(t, { gpus });
  const { conn } = node;
  t.match(conn.hello, { capacity: { gpu: 3 } });
  t.same(conn.hello?.gpus, [
    { index: 0, model: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
    { index: 1, model: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
    { index: 2, model: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
  ]);

  conn.send(gpuTask(101, 1, { hold: true }), gpuTask(102, 1, { hold: true }));
  const a = await devicesOf(conn, 101);
  const b = await devicesOf(conn, 102);
  t.equal(a.length, 1);
  t.equal(b.length, 1);
  t.not(a[0], b[0], 'two attempts running at once hold different devices');
  t.ok(uuids.includes(a[0]!) && uuids.includes(b[0]!), 'devices are named by their nvidia-smi UUID');
  t.match(conn.output(101, 'stderr'), `[batch] gpus ${a[0]!} (NVIDIA A100-SXM4-80GB)`, 'the attempt is told');

  conn.send(gpuTask(103, 2));
  const refused = await conn.waitForFinal(103);
  t.match(refused, { state: 'FAILED', failureReason: 'AGENT_ERROR', retryable: true });
  t.match(refused.message, /2 GPU\(s\) asked for, but only 1 of the node's 3 are free; GPUs are never shared/);
  t.notOk(conn.output(103).includes('cuda='), 'a refused attempt runs nothing');

  release(node, 102);
  t.match(await conn.waitForFinal(102), { state: 'SUCCEEDED' });
  conn.send(gpuTask(104, 2));
  const d = await devicesOf(conn, 104);
  t.same([...d].sort(), uuids.filter((u) => u !== a[0]).sort(), 'a gpu:2 attempt gets two: the freed one reused');

  conn.send(gpuTask(105, 0), gpuTask(106, undefined));
  t.match(await conn.waitForOutput(105, 'cuda='), 'cuda=[] nvidia=[none]', 'asked none: shown none');
  t.match(await conn.waitForOutput(106, 'cuda='), 'cuda=[unset] nvidia=[unset]', 'no resources sent: left alone');
  release(node, 101);
  t.match(await conn.waitForFinal(101), { state: 'SUCCEEDED' });
});

t.test('a killed, timed-out or failed attempt gives its GPUs back', async (t) => {
  const gpus = fakeGpus(2);
  const all = gpus.map((g) => g.uuid).join(',');
  const node = await gpuNode(t, { gpus });
  const { conn } = node;

  conn.send(gpuTask(201, 2, { hold: true }));
  t.equal((await devicesOf(conn, 201)).join(','), all);
  conn.send({ kind: 'killAttempt', attemptId: 201, reason: 'STOPPED' });
  t.match(await conn.waitForFinal(201), { state: 'STOPPED' });

  conn.send(gpuTask(202, 2, { hold: true, timeoutSeconds: 1 }));
  t.equal((await devicesOf(conn, 202)).join(','), all, 'the killed attempt gave both back');
  t.match(await conn.waitForFinal(202), { state: 'FAILED', failureReason: 'TIMEOUT' });

  conn.send(gpuTask(203, 2, { command: 'exit 3' }));
  t.match(await conn.waitForFinal(203), { state: 'FAILED', exitCode: 3 });
  conn.send(gpuTask(204, 2));
  t.equal((await devicesOf(conn, 204)).join(','), all, 'the timed-out and the failed ones too');
});

t.test('an agent restarted over running GPU attempts starts with every GPU free', async (t) => {
  const node = await gpuNode(t, { gpus: fakeGpus(2) });
  node.conn.send(gpuTask(301, 2, { hold: true }));
  await devicesOf(node.conn, 301);
  node.agent.signal('SIGKILL');
  await node.agent.exited;

  // the next run kills what the last one left (process-groups.ts), so nothing holds a device
  const agent = startAgent(t, { controllerUrl: node.controller.url, dir: node.dir, env: { PATH: node.path } });
  const conn = await node.controller.connection(1);
  await agent.waitForLog(/killed 1 process group/);
  conn.send(gpuTask(302, 2));
  t.equal((await devicesOf(conn, 302)).length, 2);
});

t.test('--gpu wins: the first N detected are offered, the rest kept from every task', async (t) => {
  const gpus = fakeGpus(4);
  const { conn, agent } = await gpuNode(t, { gpus }, { BATCH_NODE_GPU: '2' });
  t.match(conn.hello, { capacity: { gpu: 2 } });
  t.same(
    conn.hello?.gpus?.map((g) => g.index),
    [0, 1],
  );
  await agent.waitForLog('gpus: offering 2 of the 4 detected (--gpu 2)');
  conn.send(gpuTask(401, 2), gpuTask(402, 0));
  t.same(await devicesOf(conn, 401), [gpus[0]!.uuid, gpus[1]!.uuid]);
  t.match(await conn.waitForOutput(402, 'cuda='), 'cuda=[] nvidia=[none]');
});

t.test('nvidia-smi printing garbage: no crash, no GPUs, nothing hidden', async (t) => {
  const { conn, agent } = await gpuNode(t, { prints: 'Unable to determine the device handle for GPU 0000:3B:00.0\n' });
  t.match(conn.hello, { capacity: { gpu: 0 } });
  t.notOk(conn.hello && 'gpus' in conn.hello, 'no devices described');
  await agent.waitForLog('1 line(s) of nvidia-smi output name no GPU');
  conn.send(gpuTask(501, 0));
  t.match(await conn.waitForOutput(501, 'cuda='), 'cuda=[unset] nvidia=[unset]', 'a node without GPUs changes nothing');
});

t.test('nvidia-smi hanging: given up on after 5 s, and the explicit count is offered', async (t) => {
  const { conn, agent } = await gpuNode(t, { hangs: true }, { BATCH_NODE_GPU: '1' });
  await agent.waitForLog('gave no answer within 5000 ms');
  t.match(conn.hello, { capacity: { gpu: 1 } });
  t.notOk(conn.hello && 'gpus' in conn.hello);
  conn.send(gpuTask(601, 1));
  t.same(await devicesOf(conn, 601), ['0'], 'a device known only from --gpu is named by its index');
});
