/**
 * Who may register a node: no agent past the owner's `nodesPerEnvironment` quota, whatever
 * token it holds; and a provisioned node's own token, which a provider hands its host in the
 * user data, makes exactly one node: a second agent presenting it is refused.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { type Agent, startAgent, startController, STORES } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { live, nodesOf, writeProgram } from './provider-hosts.js';

/** The exit code of an agent the controller refused for good (agent/exit-codes.ts). */
const EXIT_REJECTED = 3;

function refused(agent: Agent): Promise<number | null> {
  if (agent.process.exitCode !== null) return Promise.resolve(agent.process.exitCode);
  return new Promise((resolve) => agent.process.once('exit', (code) => resolve(code)));
}

for (const store of STORES) {
  t.test(`${store}: no node registers past the owner's nodesPerEnvironment quota`, async (t) => {
    const controller = await startController(t, { store });
    const admin = new BatchClient({ url: controller.url, token: controller.token });
    const { token: bobToken } = await admin.createUser({ name: 'bob' });
    await admin.updateUserQuotas('bob', { nodesPerEnvironment: 1 });
    const bob = new BatchClient({ url: controller.url, token: bobToken });
    await bob.createEnvironment({ name: 'by-hand', type: 'unmanaged' });
    const { token } = await bob.createRegistrationToken('by-hand');

    await startAgent(t, { controllerUrl: controller.url, registrationToken: token, name: 'first' });
    await waitFor('the first node to be READY', async () =>
      (await nodesOf(admin, 'by-hand')).some((n) => n.name === 'first' && n.state === 'READY'),
    );
    const second = await startAgent(t, { controllerUrl: controller.url, registrationToken: token, name: 'second' });
    t.equal(await refused(second), EXIT_REJECTED, 'the second agent is refused for good');
    t.match(second.log(), /is full: quota \\?"nodesPerEnvironment\\?" allows 1 nodes/, 'and told why');
    t.same(
      (await nodesOf(admin, 'by-hand')).map((n) => [n.name, n.state]),
      [['first', 'READY']],
      'one node, the first',
    );
  });
}

t.test("a provisioned node's registration token registers one agent, once", async (t) => {
  const controller = await startController(t, { store: 'postgres' });
  const admin = new BatchClient({ url: controller.url, token: controller.token });
  const dir = tmpDir(t, 'batch-requests-');
  // A provider that keeps what it was asked and starts nothing: the test plays the host.
  const create = writeProgram(
    dir,
    'create.sh',
    `cat >'${dir}'/request.$$.json\nprintf '{"providerId":"kept-%s"}\\n' $$`,
  );
  const noop = writeProgram(dir, 'noop.sh', 'cat >/dev/null');
  await admin.createEnvironment({
    name: 'provisioned',
    type: 'managed',
    provider: 'command',
    desiredNodes: 1,
    template: { labels: { zone: 'a' } },
    command: { create: [create], delete: [noop] },
  });
  const requestFile = await waitFor('the create request', () =>
    readdirSync(dir).find((f) => f.startsWith('request.') && existsSync(path.join(dir, f))),
  );
  const request = await waitFor('the whole request', () => {
    try {
      return JSON.parse(readFileSync(path.join(dir, requestFile), 'utf8')) as {
        nodeId: string;
        name: string;
        controllerUrl: string;
        registrationToken: string;
        userData: string;
      };
    } catch {
      return undefined;
    }
  });
  t.equal(request.controllerUrl, controller.url, 'the host is told the controller');
  t.match(request.userData, `BATCH_REGISTRATION_TOKEN='${request.registrationToken}'`, 'the token is in the user data');
  t.match(request.userData, "BATCH_NODE_LABELS='zone=a'", "and the template's labels");
  const node = await waitFor('the node to have its host', async () =>
    (await nodesOf(admin, 'provisioned')).find((n) => n.id === request.nodeId && n.providerId !== null),
  );
  t.equal(node.state, 'PROVISIONING', 'PROVISIONING until its agent registers');

  await startAgent(t, {
    controllerUrl: controller.url,
    registrationToken: request.registrationToken,
    name: 'the-host',
  });
  const ready = await waitFor('the provisioned node to be READY', async () => {
    const n = await admin.getNode(request.nodeId);
    return n.state === 'READY' ? n : undefined;
  });
  t.equal(ready.name, request.name, 'the agent became the node the token was made for, under its name');
  t.equal(ready.labels.hostname, 'the-host', 'the agent that registered is the one that holds the token');

  const impostor = await startAgent(t, {
    controllerUrl: controller.url,
    registrationToken: request.registrationToken,
    name: 'impostor',
  });
  t.equal(await refused(impostor), EXIT_REJECTED, 'a second agent with the same token is refused for good');
  t.match(impostor.log(), /used up/, 'and told the token is used up');
  t.same(
    (await nodesOf(admin, 'provisioned')).filter(live).map((n) => [n.id, n.state]),
    [[request.nodeId, 'READY']],
    'still one node',
  );
});
