/**
 * The walkthrough with no environment named (SPEC §2): the owner's auto environment gets nodes
 * from the local provider as the job's instances become ready, they run it, a second job within
 * the idle timeout reuses them without creating any, and they are TERMINATED within the idle
 * timeout + 5 s, their agent processes and directories gone.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import type { BatchEvent } from '../../sdk/index.js';
import { runBatchctl, EXAMPLES } from '../support/batchctl.js';
import { STORES, startController } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const IDLE_SECONDS = 4;

async function nodeEvents(client: BatchClient): Promise<BatchEvent[]> {
  const out: BatchEvent[] = [];
  for await (const e of client.events({ since: 0, follow: false, kind: 'node' })) out.push(e);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const store of STORES) {
  t.test(`${store}: a job naming no environment gets nodes made for it, reused, then deleted when idle`, async (t) => {
    const controller = await startController(t, {
      store,
      localNodes: 0,
      // the shipped default: tasks with no environment run in their owner's auto environment
      env: { BATCH_DEFAULT_ENVIRONMENT: '', BATCH_AUTO_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS) },
    });
    const env = { url: controller.url, token: controller.token };
    const client = new BatchClient(env);
    t.same((await client.listNodes()).items, [], 'no node before any work');

    t.equal((await runBatchctl(['templates', 'create', '-f', path.join(EXAMPLES, 'batch-hello.yaml')], env)).code, 0);
    const first = await runBatchctl(['submit', '-f', path.join(EXAMPLES, 'helloworld.yaml'), '--wait'], env);
    t.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    const jobId = /(j-[a-z0-9]+)/.exec(first.stdout)![1]!;
    const job = await client.getJob(jobId);
    t.same(
      job.tasks.map((task) => task.computeEnvironment),
      ['auto-admin', 'auto-admin'],
    );

    const nodes = (await client.listNodes()).items;
    t.ok(nodes.length >= 1 && nodes.length <= 2, `${nodes.length} node(s), one per ready instance at most`);
    for (const n of nodes) {
      t.equal(n.environment, 'auto-admin');
      t.equal(n.state, 'READY');
      t.match(n.name, /^auto-admin-\d+$/);
    }
    const events = await nodeEvents(client);
    for (const n of nodes) {
      t.same(
        events.filter((e) => e.nodeId === n.id).map((e) => e.state),
        ['PROVISIONING', 'READY'],
        `${n.name} was PROVISIONING, then READY`,
      );
    }
    const pids = nodes.map((n) =>
      Number(readFileSync(path.join(controller.dataDir, 'local-nodes', n.id, 'agent.pid'), 'utf8')),
    );
    const instances = await client.listInstances(jobId, 'hello');
    const ran = new Set(instances.items.map((i) => i.attempts.at(-1)?.nodeId));
    t.ok(
      [...ran].every((id) => nodes.some((n) => n.id === id)),
      'the instances ran on those nodes',
    );

    // Within the idle timeout: the same nodes, none created.
    const second = await runBatchctl(['submit', '-f', path.join(EXAMPLES, 'helloworld.yaml'), '--wait'], env);
    t.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    const after = (await client.listNodes({ all: true })).items;
    t.same(
      after.map((n) => n.id).sort(),
      nodes.map((n) => n.id).sort(),
      'the second job ran on the same nodes, and none was made for it',
    );
    const ended = Date.now();

    const terminated = await waitFor(
      'the idle nodes to be TERMINATED',
      async () => {
        const all = (await client.listNodes({ all: true })).items;
        return all.every((n) => n.state === 'TERMINATED') && all;
      },
      { timeoutMs: (IDLE_SECONDS + 30) * 1000, intervalMs: 200 },
    );
    const tookMs = Date.now() - ended;
    t.ok(
      tookMs <= (IDLE_SECONDS + 5) * 1000,
      `TERMINATED ${tookMs} ms after the job ended (idle timeout ${IDLE_SECONDS} s + 5 s)`,
    );
    for (const n of terminated) {
      t.match(n.message ?? '', /idle for/, 'says why it went');
      t.notOk(existsSync(path.join(controller.dataDir, 'local-nodes', n.id)), 'its directory is gone');
    }
    await waitFor('their agents to exit', () => pids.every((pid) => !alive(pid)), { timeoutMs: 15_000 });
    t.same((await client.listNodes()).items, [], '`nodes` lists no TERMINATED node; `--all` does');
    const listed = await runBatchctl(['envs', 'list'], env);
    t.notMatch(listed.stdout, /auto-admin/, 'an auto environment with no nodes is not listed');
    const all = await runBatchctl(['envs', 'list', '--all'], env);
    t.match(all.stdout, /auto-admin\s+auto\s+local/);
  });
}
