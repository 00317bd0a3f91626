import path from 'node:path';
import t from 'tap';
import { runBatchctl, startBatchctl, EXAMPLES } from '../support/batchctl.js';
import { STORES, startAgent, startController } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';
import { BatchClient } from '../../sdk/client.js';
import { readLog, waitReadyNodes } from './fixture.js';

for (const store of STORES) {
  t.test(`${store}: the hello-world walkthrough with batchctl and the built-in local nodes`, async (t) => {
    // As `make run` does: the controller starts two local agent processes itself.
    const controller = await startController(t, { store, localNodes: 2 });
    const env = { url: controller.url, token: controller.token };
    const client = new BatchClient({ url: controller.url, token: controller.token });
    await waitReadyNodes(client, 2);

    const nodes = await runBatchctl(['nodes'], env);
    t.equal(nodes.code, 0, nodes.stderr);
    t.match(nodes.stdout, /local-0.*READY.*local/);
    t.match(nodes.stdout, /local-1.*READY.*local/);

    const template = await runBatchctl(['templates', 'create', '-f', path.join(EXAMPLES, 'batch-hello.yaml')], env);
    t.equal(template.code, 0, template.stderr);

    const submit = await runBatchctl(['submit', '-f', path.join(EXAMPLES, 'helloworld.yaml'), '--wait'], env);
    t.equal(submit.code, 0, `submit --wait exits 0 on success\n${submit.stdout}\n${submit.stderr}`);
    t.match(submit.stdout + submit.stderr, /SUCCEEDED/);
    const jobId = /(j-[a-z0-9]+)/.exec(submit.stdout + submit.stderr)?.[1];
    t.ok(jobId, 'the job id is shown');

    const jobs = await runBatchctl(['jobs'], env);
    t.match(jobs.stdout, new RegExp(`${jobId}.*helloworld.*SUCCEEDED`));
    const status = await runBatchctl(['status', jobId!], env);
    t.match(status.stdout, /hello\s+SUCCEEDED/);
    t.match(status.stdout, /goodbye\s+SUCCEEDED/);
    const instances = await runBatchctl(['instances', jobId!, 'hello'], env);
    t.equal(instances.code, 0);
    t.match(instances.stdout, /SUCCEEDED/);

    const log0 = await runBatchctl(['logs', jobId!, 'hello', '0'], env);
    t.match(log0.stdout, /^hello from instance 0 of 2 on n-/);
    const log1 = await runBatchctl(['logs', jobId!, 'hello', '1'], env);
    t.match(log1.stdout, /^hello from instance 1 of 2 on n-/);
    const json = await runBatchctl(['status', jobId!, '--json'], env);
    t.same(JSON.parse(json.stdout), await client.getJob(jobId!), '--json prints the API resource');

    // A failing job: --wait exits 5, the code of a job that FAILED (docs/cli.md), not 1 (a failed request).
    const failing = await runBatchctl(['submit', '-f', '-', '--wait'], {
      ...env,
      stdin: 'name: broken\ntasks:\n  - name: a\n    command: exit 3\n',
    });
    t.equal(failing.code, 5, 'submit --wait exits 5 when the job FAILED');
    t.match(failing.stdout + failing.stderr, /FAILED/);

    // A third node joins by hand with a registration token and takes work.
    const token = await runBatchctl(['envs', 'token', 'local'], env);
    t.equal(token.code, 0, token.stderr);
    t.match(token.stdout.trim(), /^reg_[A-Za-z0-9_-]+$/);
    await startAgent(t, {
      controllerUrl: controller.url,
      registrationToken: token.stdout.trim(),
      name: 'extra',
      labels: 'gpu-model=none,site=hand',
    });
    await waitReadyNodes(client, 3);
    const pinned = await client.submitJob({
      name: 'pinned',
      tasks: [{ name: 'a', command: 'echo on $BATCH_NODE_ID', nodeSelector: { site: 'hand' } }],
    });
    const done = await waitFor(
      'the pinned job',
      async () => {
        const j = await client.getJob(pinned.id);
        return j.state === 'SUCCEEDED' ? j : undefined;
      },
      { timeoutMs: 20_000 },
    );
    t.equal(done.state, 'SUCCEEDED');
    const extra = (await client.listNodes()).items.find((n) => n.name === 'extra')!;
    t.equal(await readLog(client, pinned.id, 'a', 0), `on ${extra.id}\n`, 'the hand-started node ran it');

    // logs -f follows a running instance until it ends.
    const slow = await client.submitJob({
      name: 'slow',
      tasks: [{ name: 'a', command: 'for i in 1 2 3 4 5; do echo tick $i; sleep 0.3; done' }],
    });
    await waitFor('the slow instance to run', async () => (await client.getJob(slow.id)).counts.RUNNING === 1, {
      timeoutMs: 20_000,
    });
    const follow = startBatchctl(['logs', slow.id, 'a', '0', '-f'], env);
    await follow.waitForStdout('tick 1', 10_000);
    const followed = await follow.exited;
    t.equal(followed.code, 0);
    t.equal(followed.stdout, 'tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n', 'logs -f streams until the instance ends');
  });
}
