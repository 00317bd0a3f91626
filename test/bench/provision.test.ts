/**
 * The `provision` scenario's parts against a real controller: the bench's provider script on the
 * `command` provider hands creates and deletes to the simulator in spool mode, whose nodes
 * register with their own single-use tokens; scaling back to 0 deletes their hosts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { Cleanup } from '../../bench/cleanup.js';
import { Deadline } from '../../bench/deadline.js';
import { writeProviderScript } from '../../bench/provider-script.js';
import { SimulatorHandle } from '../../bench/simulator/handle.js';
import { BatchClient } from '../../sdk/index.js';
import { startController } from '../support/cluster.js';

for (const batch of [false, true])
  t.test(
    `a managed environment on the bench provider ${batch ? 'with a batch create' : 'script'} scales simulated nodes up and down`,
    async (t) => {
      const controller = await startController(t, { store: 'pglite' });
      const client = new BatchClient({ url: controller.url, token: controller.token });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'provision-test-'));
      const cleanup = new Cleanup();
      t.teardown(async () => {
        await cleanup.run();
        rmSync(dir, { recursive: true, force: true });
      });
      const deadline = new Deadline(60);
      const { spoolDir, command } = writeProviderScript(dir, batch);
      const sim = await SimulatorHandle.startSpool(cleanup, deadline, { dir: spoolDir, cpu: 2, validate: true });
      await client.createEnvironment({ name: 'prov', type: 'managed', provider: 'command', desiredNodes: 0, command });

      await client.scaleEnvironment('prov', 3);
      await deadline.poll(async () => ((await client.getEnvironment('prov')).nodes.READY === 3 ? true : undefined), 50);
      const up = await deadline.poll(async () => {
        const items = (await client.listNodes({ environment: 'prov' })).items;
        return items.every((n) => n.providerId !== null) ? items : undefined;
      }, 50);
      t.equal(up.length, 3, 'three nodes');
      t.same(
        up.map((n) => n.name).sort(),
        ['prov-0', 'prov-1', 'prov-2'],
        'each agent registered as the node its token was made for',
      );
      t.same(readdirSync(path.join(spoolDir, 'hosts')).sort(), up.map((n) => n.providerId).sort(), 'a host per node');
      let counters = await sim.counters();
      t.equal(counters.created, 3);
      t.equal(counters.connected, 3);
      t.equal(counters.rejects, 0);

      await client.scaleEnvironment('prov', 0);
      await deadline.poll(async () => {
        const states = (await client.getEnvironment('prov')).nodes;
        return Object.values(states).every((n) => n === 0) ? true : undefined;
      }, 50);
      counters = await deadline.poll(async () => {
        const c = await sim.counters();
        return c.deleted === 3 && c.connected === 0 ? c : undefined;
      }, 50);
      t.equal(counters.spoolErrors, 0, 'every request was one the simulator could use');
      const down = (await client.listNodes({ environment: 'prov', all: true })).items;
      t.ok(
        down.every((n) => n.state === 'TERMINATED'),
        'every node TERMINATED',
      );
      t.same(readdirSync(path.join(spoolDir, 'hosts')), [], 'no host left');
    },
  );
