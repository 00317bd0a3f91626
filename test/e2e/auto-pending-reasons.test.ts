/**
 * Why a task of an auto environment waits: `PROVISIONING` while nodes are being made for it,
 * `NO_CAPACITY` when none can be made (here: its provider fails every time), never
 * `NO_MATCHING_NODE` just because no node exists yet. The provider programs are tiny scripts:
 * one "creates" hosts that never boot, one refuses.
 */
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { startController } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { nodesOf, writeProgram } from './provider-hosts.js';

t.test('an auto environment: PROVISIONING while its nodes boot, NO_CAPACITY when none can be made', async (t) => {
  const controller = await startController(t, { store: 'pglite' });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  const dir = tmpDir(t, 'batch-pending-');
  const noop = writeProgram(dir, 'noop.sh', 'cat >/dev/null\necho \'{"hosts": []}\'');
  const neverBoots = writeProgram(dir, 'never-boots.sh', 'cat >/dev/null\necho \'{"providerId": "h-1"}\'');
  const refuses = writeProgram(dir, 'refuses.sh', 'cat >/dev/null\necho "no capacity" >&2\nexit 1');
  for (const [name, create] of [
    ['booting', neverBoots],
    ['refusing', refuses],
  ] as const) {
    await client.createEnvironment({
      name,
      type: 'auto',
      provider: 'command',
      maxNodes: 2,
      template: { cpu: 1 },
      command: { create: [create], delete: [noop] },
    });
  }
  const reasonsOf = async (jobId: string) =>
    new Set((await client.listInstances(jobId, 'work')).items.map((i) => i.pendingReason));

  for (const [environment, reason] of [
    ['booting', 'PROVISIONING'],
    ['refusing', 'NO_CAPACITY'],
  ] as const) {
    const job = await client.submitJob({
      name: environment,
      tasks: [{ name: 'work', command: 'true', instances: 3, computeEnvironment: environment, resources: { cpu: 1 } }],
    });
    const seen = await waitFor(
      `the instances of ${environment} to wait with ${reason}`,
      async () => {
        const reasons = await reasonsOf(job.id);
        return reasons.size === 1 && reasons.has(reason) && reasons;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    t.same([...seen], [reason], `${environment}: ${reason}`);
  }
  const booting = await nodesOf(client, 'booting');
  t.equal(booting.filter((n) => n.state === 'PROVISIONING').length, 2, 'maxNodes: two nodes made for three instances');
});
