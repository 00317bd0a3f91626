import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { encodeFrame } from '../../protocol/codec.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor, within } from '../support/wait.js';
import { startAgent } from './agent-process.js';
import { CREDENTIAL, FakeController, NODE_ID, startAttempt, welcomeFor } from './fake-controller.js';

const TOKEN = 'reg-token-5e2c88a1';

t.test('a registration token is exchanged for a credential that later connections use', async (t) => {
  const controller = await FakeController.start(t);
  const dir = tmpDir(t);
  const agent = startAgent(t, {
    controllerUrl: `${controller.url}/`,
    dir,
    registrationToken: TOKEN,
    env: {
      BATCH_NODE_NAME: 'render-7',
      BATCH_NODE_LABELS: 'os=linux, zone=a',
      BATCH_NODE_CPU: '3',
      BATCH_NODE_MEMORY_MIB: '2048',
      BATCH_NODE_GPU: '1',
    },
  });

  const first = await controller.connection(0);
  t.same(first.hello?.auth, { registrationToken: TOKEN });
  t.match(first.hello, {
    protocolVersion: PROTOCOL_VERSION,
    hostname: 'render-7',
    os: process.platform,
    labels: { os: 'linux', zone: 'a' },
    capacity: { cpu: 3, memoryMiB: 2048, gpu: 1 },
    running: [],
  });

  const nodeFile = join(dir, 'node.json');
  await agent.waitForLog(`registered as node ${NODE_ID}`);
  t.same(JSON.parse(readFileSync(nodeFile, 'utf8')), { nodeId: NODE_ID, credential: CREDENTIAL });
  t.equal(statSync(nodeFile).mode & 0o777, 0o600, 'node.json is readable by its owner only');

  first.close();
  const second = await controller.connection(1);
  t.same(second.hello?.auth, { nodeId: NODE_ID, credential: CREDENTIAL });
  await agent.waitForLog(/connected to .* as node n-test-1[^\n]*\n(.|\n)*connected to .* as node n-test-1/);

  t.notMatch(agent.stderr, TOKEN, 'the registration token is never logged');
  t.notMatch(agent.stderr, CREDENTIAL, 'the credential is never logged');
  t.notMatch(agent.rawStderr, TOKEN, 'not in the JSON either');
  t.notMatch(agent.rawStderr, CREDENTIAL, 'nor the credential');
  const lines = agent.rawStderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  t.ok(
    lines.every(
      (l) =>
        typeof l.msg === 'string' &&
        l.level === 'info' &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(String(l.time)),
    ),
    'off a terminal, every log line is a JSON object with an ISO time, a level name and a message',
  );
});

t.test('a refused credential is dropped and the node registers again with its token', async (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'node.json'), JSON.stringify({ nodeId: 'n-old', credential: 'revoked-cred' }), {
    mode: 0o600,
  });
  const controller = await FakeController.start(t, {
    answer: (hello) =>
      'credential' in hello.auth
        ? [{ kind: 'reject', code: 'UNAUTHENTICATED', message: 'unknown node credential', retryable: false }]
        : [welcomeFor(hello)],
  });
  const agent = startAgent(t, { controllerUrl: controller.url, dir, registrationToken: TOKEN });

  const first = await controller.connection(0);
  t.same(first.hello?.auth, { nodeId: 'n-old', credential: 'revoked-cred' });
  const second = await controller.connection(1);
  t.same(second.hello?.auth, { registrationToken: TOKEN });
  await agent.waitForLog(`registered as node ${NODE_ID}`);
  t.same(JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8')), { nodeId: NODE_ID, credential: CREDENTIAL });
  t.match(agent.stderr, 'UNAUTHENTICATED: unknown node credential');
  t.ok(agent.running);
});

t.test('PROTOCOL_UNSUPPORTED makes the agent exit with 3 and log why', async (t) => {
  const controller = await FakeController.start(t, {
    answer: () => [
      { kind: 'reject', code: 'PROTOCOL_UNSUPPORTED', message: 'this controller needs protocol 7', retryable: false },
    ],
  });
  const agent = startAgent(t, { controllerUrl: controller.url, dir: tmpDir(t), registrationToken: TOKEN });
  const exit = await within('the agent to exit', agent.exited);
  t.equal(exit.code, 3);
  t.match(agent.stderr, 'this controller needs protocol 7');
  t.equal(controller.connections.length, 1, 'no reconnect after a final rejection');
});

t.test('a non-retryable rejection makes the agent exit with 3; a retryable one is retried', async (t) => {
  let hellos = 0;
  const controller = await FakeController.start(t, {
    answer: () =>
      ++hellos === 1
        ? [{ kind: 'reject', code: 'BAD_MESSAGE', message: 'try again later', retryable: true }]
        : [{ kind: 'reject', code: 'NODE_TERMINATED', message: 'node was terminated', retryable: false }],
  });
  const agent = startAgent(t, { controllerUrl: controller.url, dir: tmpDir(t), registrationToken: TOKEN });
  const exit = await within('the agent to exit', agent.exited);
  t.equal(exit.code, 3);
  t.equal(controller.connections.length, 2);
  t.match(agent.stderr, 'BAD_MESSAGE: try again later');
  t.match(agent.stderr, 'NODE_TERMINATED: node was terminated');
});

t.test('a malformed frame makes the agent reconnect; an unknown kind is ignored', async (t) => {
  const controller = await FakeController.start(t);
  const agent = startAgent(t, { controllerUrl: controller.url, dir: tmpDir(t), registrationToken: TOKEN });
  const first = await controller.connection(0);
  await agent.waitForLog('connected to');

  first.sendRaw(encodeFrame([{ kind: 'fromTheFuture' } as never, startAttempt(1, 'echo still-here')]));
  t.match((await first.waitForFinal(1)).state, 'SUCCEEDED', 'messages next to an unknown kind are handled');
  t.match(agent.stderr, 'unknown kind "fromTheFuture"');

  first.sendRaw(Buffer.from([0xc1, 0xff, 0x00]));
  const second = await controller.connection(1);
  t.ok(second.hello, 'reconnected after the bad frame');
  t.match(agent.stderr, 'protocol error from the controller');
  await waitFor('the first connection to close', () => first.closed);

  // a known kind with a bad shape is a protocol error too
  await agent.waitForLog(/connected to(.|\n)*connected to/);
  second.sendRaw(encodeFrame([{ kind: 'startAttempt', attemptId: 'x' } as never]));
  await controller.connection(2);
  t.ok(agent.running, 'the agent is still running');
});
