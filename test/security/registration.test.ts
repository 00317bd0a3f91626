/**
 * Who may become a node: a registration token works for its environment only, until it expires,
 * is revoked or is used up; an environment holds at most its owner's `nodesPerEnvironment`
 * nodes, however many register at once; every registration (and a refused valid token) is
 * audited. Raw `hello`s over the real gateway.
 */
import t from 'tap';
import WebSocket from 'ws';
import { decodeControllerFrame, encodeFrame } from '../../protocol/codec.js';
import type { ControllerMessage } from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { BatchClient } from '../../sdk/client.js';
import { ADMIN_TOKEN, startController } from '../support/cluster.js';

/** Says hello with `token`; resolves with the controller's answer (welcome or reject). */
async function register(url: string, token: string, hostname: string): Promise<ControllerMessage> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agent`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const answer = new Promise<ControllerMessage>((resolve) =>
    ws.once('message', (data) => resolve(decodeControllerFrame(new Uint8Array(data as Buffer)).messages[0]!)),
  );
  ws.send(
    encodeFrame([
      {
        kind: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: 'test',
        auth: { registrationToken: token },
        hostname,
        os: 'linux',
        arch: 'x64',
        capacity: { cpu: 1, memoryMiB: 1024, gpu: 0 },
        labels: {},
        capabilities: [],
        running: [],
      },
    ]),
  );
  const message = await answer;
  ws.terminate();
  return message;
}

t.test('registration tokens and the nodes quota hold at registration', async (t) => {
  const controller = await startController(t, { store: 'postgres' });
  const admin = new BatchClient({ url: controller.url, token: ADMIN_TOKEN });
  const { token } = await admin.createUser({ name: 'owner' });
  await admin.updateUserQuotas('owner', { nodesPerEnvironment: 3 });
  const owner = new BatchClient({ url: controller.url, token });
  await owner.createEnvironment({ name: 'pool' });

  const once = await owner.createRegistrationToken('pool', { maxUses: 1 });
  t.equal((await register(controller.url, once.token, 'first')).kind, 'welcome');
  const again = await register(controller.url, once.token, 'second');
  t.match(again, { kind: 'reject', code: 'UNAUTHENTICATED', message: /used up/ }, 'a single-use token works once');

  const many = await owner.createRegistrationToken('pool');
  const racing = await Promise.all(
    Array.from({ length: 6 }, (_, i) => register(controller.url, many.token, `racer-${i}`)),
  );
  t.equal(
    racing.filter((m) => m.kind === 'welcome').length,
    2,
    'with 1 node registered and a quota of 3, 2 of 6 concurrent registrations get in',
  );
  t.ok(
    racing.every((m) => m.kind === 'welcome' || (m.kind === 'reject' && m.message.includes('nodesPerEnvironment'))),
    'the others are told the environment is full',
  );
  t.equal((await owner.listNodes()).items.length, 3);

  const listed = await owner.listRegistrationTokens('pool');
  t.same(
    listed.items.map((i) => [i.uses, i.maxUses]),
    [
      [1, 1],
      [2, null],
    ],
  );
  t.notOk(JSON.stringify(listed).includes(many.token), 'a listed token never shows the token');
  await owner.revokeRegistrationToken('pool', many.id);
  await admin.updateUserQuotas('owner', { nodesPerEnvironment: 10 });
  t.match(await register(controller.url, many.token, 'late'), { kind: 'reject' }, 'a revoked token is refused');

  const stranger = new BatchClient({
    url: controller.url,
    token: (await admin.createUser({ name: 'stranger' })).token,
  });
  await t.rejects(stranger.createRegistrationToken('pool'), /not found|404/, "no token for another user's environment");

  const audit = await admin.listAuditEvents({ limit: 100 });
  const actions = audit.items.map((e) => e.action);
  t.equal(actions.filter((a) => a === 'node.registered').length, 3, 'every registration is audited');
  t.ok(actions.includes('node.refused'), 'a valid token refused is audited');
  t.ok(actions.includes('registration-token.revoked'));
});
