/**
 * A managed environment whose nodes the `command` provider creates with the namespace-host.sh
 * example: each host is the compiled agent booted through its rendered user data in namespaces
 * of its own. Scaled 0 → 3, the nodes go PROVISIONING → READY with the node names as host names;
 * scaled to 1 while two of them run instances, the idle node goes at once, a busy one drains
 * first and no instance fails; a host whose agent is killed is LOST and replaced. Nothing of a
 * deleted host keeps running.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Node } from '../../protocol/api.js';
import { BatchClient } from '../../sdk/client.js';
import { startController } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';
import { readLog, waitJobFinished } from './fixture.js';
import {
  live,
  namespaceHosts,
  namespaceHostsUnavailable,
  nodesOf,
  pidNamespaceOf,
  processesIn,
  stillRunning,
  recordStates,
} from './provider-hosts.js';

const ENV = 'ns';
const unavailable = namespaceHostsUnavailable();

t.test(
  'a managed environment of namespace hosts scales out and in and replaces a lost node',
  { skip: unavailable ?? false },
  async (t) => {
    const controller = await startController(t, {
      store: 'pglite',
      env: {
        BATCH_NODE_LOST_AFTER_MS: '4000',
        BATCH_HEARTBEAT_INTERVAL_MS: '1000',
        BATCH_NODE_BOOT_TIMEOUT_SECONDS: '120',
      },
    });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const hosts = namespaceHosts(t);
    const hostLog = (node: Node) => {
      if (!node.providerId) return '(not created yet)';
      const read = (file: string) => {
        try {
          return readFileSync(path.join(hosts.dir(node.providerId!), file), 'utf8');
        } catch {
          return '(none)';
        }
      };
      return `host.log:\n${read('host.log')}\nagent.log:\n${read('root/batch/logs/agent.log')}`;
    };
    const history = recordStates(t, client, ENV);
    const describe = async () => {
      const nodes = await nodesOf(client, ENV);
      return `states seen: ${JSON.stringify(Object.fromEntries(history))}\nnodes: ${JSON.stringify(nodes, null, 1)}\n${nodes.map(hostLog).join('\n')}\ncontroller log:\n${controller.log().slice(-4000)}`;
    };
    /** waitFor, failing with the nodes, their hosts' logs and the controller's log. */
    const waitExplained = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number) => {
      try {
        return await waitFor(what, probe, { timeoutMs, intervalMs: 100 });
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await describe()}`, { cause: err });
      }
    };

    await client.createEnvironment({
      name: ENV,
      type: 'managed',
      provider: 'command',
      desiredNodes: 0,
      template: { cpu: 1, labels: { pool: 'namespaces' } },
      command: hosts.command(),
    });

    await client.scaleEnvironment(ENV, 3);
    const ready = await waitExplained(
      'three READY nodes',
      async () => {
        const nodes = (await nodesOf(client, ENV)).filter((n) => n.state === 'READY');
        return nodes.length === 3 ? nodes : undefined;
      },
      60_000,
    );
    for (const node of ready) {
      t.equal(history.get(node.id)?.[0], 'PROVISIONING', `${node.name} was PROVISIONING before READY`);
      t.equal(
        node.labels.hostname,
        node.name,
        `${node.name}: its host name is the node's name (its own UTS namespace)`,
      );
      t.equal(node.providerId, `ns-${node.id}`, `${node.name}: the provider id namespace-host.sh printed`);
      t.equal(node.labels.pool, 'namespaces', `${node.name}: the template's labels came through the user data`);
      t.equal(node.capacity.cpu, 1, `${node.name}: the template's size`);
    }
    const namespaces = new Map(ready.map((n) => [n.id, pidNamespaceOf(hosts.initPid(n.providerId!)!)!]));
    t.equal(new Set(namespaces.values()).size, 3, 'each host has a PID namespace of its own');

    const job = await client.submitJob({
      name: 'sleepers',
      tasks: [
        {
          name: 'sleep',
          instances: 2,
          computeEnvironment: ENV,
          resources: { cpu: 1 },
          command: 'sleep 15; echo "done on $(hostname)"',
        },
      ],
    });
    const busy = await waitExplained(
      'both instances to run',
      async () => {
        const nodes = await Promise.all(
          [0, 1].map(async (i) => {
            const attempt = (await client.getInstance(job.id, 'sleep', i)).attempts.at(-1);
            return attempt?.state === 'RUNNING' ? attempt.nodeId : undefined;
          }),
        );
        return nodes.every((n) => n) ? (nodes as string[]) : undefined;
      },
      30_000,
    );
    t.equal(new Set(busy).size, 2, 'one instance per node (a node of the template holds one)');
    const idle = ready.find((n) => !busy.includes(n.id))!;
    // What each host runs now, the busy ones' instances among them.
    const running = new Map(ready.map((n) => [n.id, processesIn(namespaces.get(n.id)!)]));
    for (const id of busy)
      t.ok(
        running.get(id)!.some((p) => p.cmdline.startsWith('sleep 15')),
        "a busy host's instance runs in its namespace",
      );

    await client.scaleEnvironment(ENV, 1);
    await waitExplained(
      'the idle node to be TERMINATED',
      async () => (await client.getNode(idle.id)).state === 'TERMINATED',
      20_000,
    );
    t.equal((await client.getJob(job.id)).state, 'RUNNING', 'the idle node went while the instances still ran');
    const nodes = await nodesOf(client, ENV);
    const leaving = nodes.filter((n) => busy.includes(n.id) && n.desired === 'terminate');
    t.equal(leaving.length, 1, 'one busy node goes too');
    t.equal(leaving[0]?.state, 'DRAINING', 'it drains first: its instance runs on');
    const kept = nodes.find((n) => busy.includes(n.id) && n.desired === 'run')!;
    t.equal(kept.state, 'READY', 'the other busy node stays');

    const done = await waitJobFinished(client, job.id, 60_000);
    t.equal(done.state, 'SUCCEEDED', 'the job succeeded');
    for (const i of [0, 1]) {
      const instance = await client.getInstance(job.id, 'sleep', i);
      t.same(
        instance.attempts.map((a) => a.state),
        ['SUCCEEDED'],
        `instance ${i}: one attempt, not failed by the scale-in`,
      );
      const node = ready.find((n) => n.id === instance.attempts[0]!.nodeId)!;
      t.equal(await readLog(client, job.id, 'sleep', i), `done on ${node.name}\n`, `instance ${i} ran inside its host`);
    }
    await waitExplained(
      'the drained node to be TERMINATED',
      async () => (await client.getNode(leaving[0]!.id)).state === 'TERMINATED',
      30_000,
    );
    t.match(
      history.get(leaving[0]!.id),
      ['PROVISIONING', 'READY', 'DRAINING'],
      'the busy node went READY → DRAINING first',
    );
    t.same(
      (await nodesOf(client, ENV)).filter(live).map((n) => [n.id, n.state]),
      [[kept.id, 'READY']],
      'one node stays READY',
    );
    for (const gone of [idle, leaving[0]!]) {
      t.same(stillRunning(running.get(gone.id)!), [], `nothing of ${gone.name}'s host is left running`);
      t.equal(hosts.initPid(gone.providerId!), undefined, `${gone.name}'s host state is removed`);
    }

    // The kept host's agent dies: the node is LOST, then replaced.
    const keptProcesses = processesIn(namespaces.get(kept.id)!);
    const agents = keptProcesses.filter((p) => p.cmdline.startsWith('/batch/batch-agent'));
    t.equal(agents.length, 1, 'the kept host runs one agent');
    process.kill(agents[0]!.pid, 'SIGKILL');
    // LOST lasts until the next pass of the pool (at most a second): the poll may miss it, the
    // reason the pool gives the node cannot be missed.
    await waitExplained(
      'the node to be LOST',
      async () =>
        (history.get(kept.id)?.includes('LOST') ?? false) ||
        ((await client.getNode(kept.id)).message ?? '').includes('was lost'),
      20_000,
    );
    const replacement = await waitExplained(
      'a replacement node to be READY',
      async () => (await nodesOf(client, ENV)).find((n) => !ready.some((r) => r.id === n.id) && n.state === 'READY'),
      60_000,
    );
    t.equal(replacement.labels.hostname, replacement.name, 'the replacement is a host of its own');
    await waitExplained(
      'the lost node to be TERMINATED',
      async () => (await client.getNode(kept.id)).state === 'TERMINATED',
      30_000,
    );
    t.same(
      (await nodesOf(client, ENV)).filter(live).map((n) => [n.id, n.state]),
      [[replacement.id, 'READY']],
      'again one node, READY',
    );
    t.same(stillRunning(keptProcesses), [], "nothing of the lost node's host is left running");
    t.equal(hosts.initPid(kept.providerId!), undefined, "the lost node's host state is removed");
    t.ok((await client.getNode(kept.id)).message, 'the lost node says why it went');
  },
);
