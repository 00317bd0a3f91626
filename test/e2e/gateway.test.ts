import t from 'tap';
import WebSocket from 'ws';
import { decodeControllerFrame, encodeFrame } from '../../protocol/codec.js';
import { MAX_FRAME_BYTES } from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { startCluster, waitJobFinished } from './fixture.js';

function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agent`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

t.test('a malformed or oversized frame closes that connection and nothing else', async (t) => {
  const { controller, client } = await startCluster(t, { store: 'pglite', agents: 1, cpu: 2 });

  const garbage = await connect(controller.url);
  const garbageClosed = closed(garbage);
  garbage.send(Buffer.from([0xc1, 0xff, 0x00, 0x13]));
  t.equal(await garbageClosed, 1002, 'not msgpack: protocol error close');

  const wrongShape = await connect(controller.url);
  const wrongClosed = closed(wrongShape);
  wrongShape.send(encodeFrame([{ kind: 'hello', protocolVersion: PROTOCOL_VERSION } as never]));
  t.equal(await wrongClosed, 1002, 'a hello missing fields: protocol error close');

  const beforeHello = await connect(controller.url);
  const beforeClosed = closed(beforeHello);
  beforeHello.send(encodeFrame([{ kind: 'heartbeat', running: [] }]));
  t.equal(await beforeClosed, 1002, 'a heartbeat before hello');

  const huge = await connect(controller.url);
  const hugeClosed = closed(huge);
  huge.send(Buffer.alloc(MAX_FRAME_BYTES + 1024));
  t.equal(await hugeClosed, 1009, 'oversized frame: message too big');

  const badToken = await connect(controller.url);
  const badClosed = closed(badToken);
  let rejected: unknown;
  badToken.on('message', (data) => (rejected = data));
  badToken.send(
    encodeFrame([
      {
        kind: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: 'test',
        auth: { registrationToken: 'reg_wrong' },
        hostname: 'intruder',
        os: 'linux',
        arch: 'x64',
        capacity: { cpu: 64, memoryMiB: 1024, gpu: 0 },
        labels: {},
        capabilities: [],
        running: [],
      },
    ]),
  );
  t.equal(await badClosed, 4001, 'a wrong registration token is refused');
  t.ok(rejected, 'with a reject message first');

  // The real agent was never disturbed and still runs work.
  const nodes = (await client.listNodes()).items;
  t.same(
    nodes.map((n) => n.state),
    ['READY'],
    'only the real node exists and it is READY',
  );
  const job = await client.submitJob({ name: 'still-fine', tasks: [{ name: 'a', command: 'echo ok', instances: 2 }] });
  t.equal((await waitJobFinished(client, job.id)).state, 'SUCCEEDED');
});

t.test('an agent of protocol 1 (before attemptStatus.retryable) is still accepted', async (t) => {
  const { controller, client } = await startCluster(t, { store: 'pglite', agents: 0 });
  const { token } = await client.createRegistrationToken('local');
  const old = await connect(controller.url);
  t.teardown(() => old.close());
  const answer = new Promise<Buffer>((resolve) => old.once('message', (data) => resolve(data as Buffer)));
  old.send(
    encodeFrame([
      {
        kind: 'hello',
        protocolVersion: 1,
        agentVersion: 'old',
        auth: { registrationToken: token },
        hostname: 'old-agent',
        os: 'linux',
        arch: 'x64',
        capacity: { cpu: 1, memoryMiB: 1024, gpu: 0 },
        labels: {},
        capabilities: [],
        running: [],
      },
    ]),
  );
  const [welcome] = decodeControllerFrame(new Uint8Array(await answer)).messages;
  t.equal(welcome?.kind, 'welcome', `welcomed by a controller of protocol ${PROTOCOL_VERSION}, not rejected`);
});
