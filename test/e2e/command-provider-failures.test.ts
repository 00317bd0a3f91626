/**
 * Provider programs that fail, each in its own way: one exits 1 with a reason on stderr, one
 * outlives its timeout, one prints something that is not JSON, one prints JSON without a
 * providerId. Each node is TERMINATED with what went wrong in its `message`, another node is
 * tried after the backoff, nothing of a timed-out program keeps running, and the controller
 * keeps serving. Only an admin may configure provider programs.
 */
import t from 'tap';
import type { Node } from '../../protocol/api.js';
import { BatchClient } from '../../sdk/client.js';
import { STORES, startController } from '../support/cluster.js';
import { processesWith } from '../support/processes.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { nodesOf, writeProgram } from './provider-hosts.js';

for (const store of STORES) {
  t.test(`${store}: a failing provider program leaves its node TERMINATED with why, and is retried`, async (t) => {
    const controller = await startController(t, { store });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const dir = tmpDir(t, 'batch-providers-');
    const marker = `batch-slow-provider-${process.pid}-${Date.now()}`;
    const programs = {
      refused: writeProgram(dir, 'refused.sh', 'cat >/dev/null\necho "zone-a has no capacity left" >&2\nexit 1'),
      slow: writeProgram(
        dir,
        'slow.sh',
        `cat >/dev/null\necho "asked the cloud, waiting" >&2\nsh -c 'sleep 60; : ${marker}'`,
      ),
      garbage: writeProgram(dir, 'garbage.sh', 'cat >/dev/null\necho "created it, I think"'),
      unnamed: writeProgram(dir, 'unnamed.sh', 'cat >/dev/null\necho \'{"id": "i-123"}\''),
    };
    const noop = writeProgram(dir, 'noop.sh', 'cat >/dev/null\necho \'{"hosts": []}\'');
    const expected: Record<keyof typeof programs, RegExp> = {
      refused: /^its provider could not create it: .*refused\.sh exited with code 1: zone-a has no capacity left/,
      slow: /^its provider could not create it: .*slow\.sh did not finish within its timeout \(2 s\): asked the cloud, waiting/,
      garbage: /^its provider could not create it: .*garbage\.sh printed something that is not JSON/,
      unnamed: /^its provider could not create it: .*create printed no "providerId"/,
    };
    for (const [name, program] of Object.entries(programs)) {
      await client.createEnvironment({
        name,
        type: 'managed',
        provider: 'command',
        desiredNodes: 1,
        command: { create: [program], delete: [noop], list: [noop], timeoutSeconds: 2 },
      });
    }

    for (const name of Object.keys(programs) as (keyof typeof programs)[]) {
      let nodes: Node[] = [];
      await waitFor(
        `${name}: two failed nodes, the second tried after the first failed`,
        async () => {
          nodes = (await nodesOf(client, name)).filter((n) => n.state === 'TERMINATED');
          return nodes.length >= 2;
        },
        {
          timeoutMs: 30_000,
          intervalMs: 100,
          describe: () => `${JSON.stringify(nodes)}\n${controller.log().slice(-3000)}`,
        },
      );
      const [first, second] = nodes.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      for (const node of [first!, second!]) {
        t.match(node.message, expected[name], `${name}: ${node.name} says why it failed`);
        // What users read: the provider's words, not the controller's stack (pool.ts createFailed gets errorText(err)).
        t.notMatch(node.message, /\n\s+at |ProviderError:/, `${name}: ${node.name}'s message holds no stack trace`);
        t.equal(node.providerId, null, `${name}: ${node.name} has no host`);
      }
      t.ok(
        Date.parse(second!.createdAt) >= Date.parse(first!.terminatedAt!),
        `${name}: the retry came after the failure`,
      );
    }
    await waitFor('nothing of the timed-out programs to be left running', () => processesWith(marker).length === 0, {
      timeoutMs: 5_000,
    });
    t.pass('a program killed at its timeout is killed with its children');

    const health = await fetch(`${controller.url}/healthz`);
    t.equal(health.status, 200, 'the controller keeps serving');
    t.equal(controller.process.exitCode, null, 'the controller is still running');
    const job = await client.submitJob({ name: 'still-works', tasks: [{ name: 'a', command: 'true' }] });
    t.ok(job.id, 'and takes jobs');
  });
}

t.test('only an admin may configure provider programs', async (t) => {
  const controller = await startController(t, { store: 'pglite' });
  const admin = new BatchClient({ url: controller.url, token: controller.token });
  const { token } = await admin.createUser({ name: 'alice' });
  const alice = new BatchClient({ url: controller.url, token });
  await t.rejects(
    alice.createEnvironment({
      name: 'mine',
      type: 'managed',
      provider: 'command',
      command: { create: ['/bin/true'], delete: ['/bin/true'] },
    }),
    { status: 403, message: /only an admin/ },
    'a user may not',
  );
  const created = await admin.createEnvironment({
    name: 'theirs',
    type: 'managed',
    provider: 'command',
    command: { create: ['/bin/true'], delete: ['/bin/true'] },
  });
  t.same(created.command?.create, ['/bin/true'], 'an admin may');
});
