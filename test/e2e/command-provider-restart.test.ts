/**
 * A controller killed (SIGKILL) while its provider is creating nodes: the restarted controller
 * matches the hosts `list` names to its PROVISIONING nodes instead of creating them again, and
 * they become READY. And a restarted controller that creates nodes in the same pass as it lists
 * its provider's hosts must not take the hosts it has just created for strays and delete them.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { fixedPort, restartController, startController } from '../support/cluster.js';
import { processesWith } from '../support/processes.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { live, namespaceHosts, namespaceHostsUnavailable, nodesOf, writeProgram } from './provider-hosts.js';

const unavailable = namespaceHostsUnavailable();

t.test(
  'a controller killed while creating nodes adopts their hosts through list and creates no duplicates',
  { skip: unavailable ?? false },
  async (t) => {
    const port = fixedPort();
    const env = { BATCH_HEARTBEAT_INTERVAL_MS: '1000', BATCH_NODE_BOOT_TIMEOUT_SECONDS: '300' };
    const controller = await startController(t, { store: 'pglite', port, env });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const hosts = namespaceHosts(t);
    const dir = tmpDir(t, 'batch-slow-create-');
    const calls = path.join(dir, 'calls.log');
    const marker = `batch-slow-create-${process.pid}-${Date.now()}`;
    const example = hosts
      .command()
      .create.map((a) => `'${a}'`)
      .join(' ');
    // The host is up when namespace-host.sh returns; its providerId reaches the controller only
    // after a long pause, so a controller killed meanwhile never learns it from `create`.
    const create = writeProgram(
      dir,
      'create.sh',
      `set -e
out=$(${example})
echo create >>'${calls}'
sh -c 'sleep 60; : ${marker}'
printf '%s\\n' "$out"`,
    );
    const remove = writeProgram(
      dir,
      'delete.sh',
      `req=$(cat)\necho "delete $req" >>'${calls}'\nprintf '%s' "$req" | ${example}`,
    );
    t.teardown(() => {
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
    });

    await client.createEnvironment({
      name: 'adopt',
      type: 'managed',
      provider: 'command',
      desiredNodes: 0,
      // Run by each host's first boot before its agent starts: the nodes stay PROVISIONING a while.
      template: { userData: 'sleep 8' },
      command: { create: [create], delete: [remove], list: hosts.command().list, timeoutSeconds: 120 },
    });
    await client.scaleEnvironment('adopt', 2);
    const hostDirs = () => readdirSync(hosts.stateDir).filter((d) => existsSync(path.join(hosts.stateDir, d, 'pid')));
    await waitFor('both hosts to be up', () => hostDirs().length === 2, { timeoutMs: 30_000, intervalMs: 50 });
    const before = await nodesOf(client, 'adopt');
    t.same(
      before.map((n) => [n.state, n.providerId]),
      [
        ['PROVISIONING', null],
        ['PROVISIONING', null],
      ],
      'two nodes PROVISIONING, their creation not finished',
    );

    await controller.kill();
    const again = await restartController(t, controller, { store: 'pglite', port, env });
    const client2 = new BatchClient({ url: again.url, token: again.token });
    const ready = await waitFor(
      'both nodes to be READY',
      async () => {
        const nodes = (await nodesOf(client2, 'adopt')).filter(live);
        return nodes.length === 2 && nodes.every((n) => n.state === 'READY') ? nodes : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, describe: () => again.log().slice(-4000) },
    );
    t.same(ready.map((n) => n.id).sort(), before.map((n) => n.id).sort(), 'the same two nodes, no new ones');
    for (const node of ready) {
      t.equal(node.providerId, `ns-${node.id}`, `${node.name}: its host, learnt from list`);
      t.equal(node.labels.hostname, node.name, `${node.name}: its agent runs in that host`);
    }
    t.equal((await nodesOf(client2, 'adopt')).length, 2, 'no node was created or given up meanwhile');
    t.same(hostDirs().sort(), ready.map((n) => `ns-${n.id}`).sort(), 'two hosts, no more');
    const made = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    t.same(made, ['create', 'create'], 'created twice, deleted never');
    t.match(again.log(), /adopted host ns-/, 'the restarted controller says it adopted them');
  },
);

t.test('a restarted controller does not delete the hosts it creates while it lists them', async (t) => {
  const dir = tmpDir(t, 'batch-fake-cloud-');
  const hostsDir = path.join(dir, 'hosts');
  mkdirSync(hostsDir);
  const calls = path.join(dir, 'calls.log');
  const allow = path.join(dir, 'allow-create');
  const nodeIdOf = `node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).nodeId ?? JSON.parse(s).providerId))'`;
  // A cloud whose hosts are files; its list is slow, as listing a real cloud's instances is.
  const create = writeProgram(
    dir,
    'create.sh',
    `[ -f '${allow}' ] || { cat >/dev/null; echo "the cloud is down" >&2; exit 1; }
id=$(${nodeIdOf})
echo "$id" >'${hostsDir}'/"$id"
echo "create fake-$id" >>'${calls}'
printf '{"providerId":"fake-%s"}\\n' "$id"`,
  );
  const list = writeProgram(
    dir,
    'list.sh',
    `cat >/dev/null
sleep 3
printf '{"hosts":['
sep=
for f in '${hostsDir}'/*; do
  [ -f "$f" ] || continue
  id=\${f##*/}
  printf '%s{"providerId":"fake-%s","nodeId":"%s"}' "$sep" "$id" "$id"
  sep=,
done
echo ']}'
echo list >>'${calls}'`,
  );
  const remove = writeProgram(
    dir,
    'delete.sh',
    `id=$(${nodeIdOf})
echo "delete $id" >>'${calls}'
rm -f '${hostsDir}'/"\${id#fake-}"`,
  );

  const controller = await startController(t, { store: 'postgres' });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  await client.createEnvironment({
    name: 'cloud',
    type: 'managed',
    provider: 'command',
    desiredNodes: 2,
    command: { create: [create], delete: [remove], list: [list], timeoutSeconds: 30 },
  });
  await waitFor(
    'a creation to fail',
    async () => {
      const { exitCode, signalCode } = controller.process;
      if (exitCode !== null || signalCode !== null)
        throw new Error(`the controller exited (${exitCode ?? signalCode}):\n${controller.log().slice(-6000)}`);
      return (await nodesOf(client, 'cloud')).some((n) => n.state === 'TERMINATED');
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  await controller.kill();
  appendFileSync(allow, '');

  // Its first pass creates the two nodes, then lists the hosts, which by then include theirs.
  const again = await restartController(t, controller, { store: 'postgres' });
  const client2 = new BatchClient({ url: again.url, token: again.token });
  const lines = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []);
  await waitFor('the restarted controller to list its hosts', () => lines().includes('list'), {
    timeoutMs: 30_000,
    intervalMs: 50,
    describe: () => again.log().slice(-3000),
  });
  await waitFor('two live nodes with hosts', async () => {
    const nodes = (await nodesOf(client2, 'cloud')).filter(live);
    return nodes.length === 2 && nodes.every((n) => n.providerId !== null);
  });
  // What a wrong adoption does, it does at once: give it a moment to show.
  const deleted = await waitFor('a delete', () => lines().find((l) => l.startsWith('delete')), {
    timeoutMs: 2_000,
    intervalMs: 50,
  }).catch(() => undefined);
  const nodes = (await nodesOf(client2, 'cloud')).filter(live);
  t.equal(
    deleted,
    undefined,
    'no host is deleted: hosts created in the pass that lists them belong to live nodes ' +
      '(controller/environments/pool.ts adopt() matches hosts against the nodes read before that pass created any)',
  );
  for (const node of nodes)
    t.ok(existsSync(path.join(hostsDir, node.id)), `${node.name}: its host ${node.providerId} still exists`);
  t.notMatch(again.log(), /belongs to no live node/, 'no host of a live node is taken for a stray');
});
