/**
 * The controller's log, at debug level, after a user's job with env values ran (one instance
 * fails, so failure lines are written too) while the user's token was in use: neither the env
 * values nor any token appears in it, nor in the local agent's log. And the lines operators
 * rely on are there: job submitted and finished, the failure with its reason, the node joining,
 * the access log with route patterns and the user's name. On PGlite and PostgreSQL.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { ADMIN_TOKEN, STORES, startController } from '../support/cluster.js';
import { waitJobFinished, waitReadyNodes } from './fixture.js';

const ENV_VALUE = 'env-value-that-must-not-be-logged-7f3a9c';
const ANOTHER_VALUE = 'second-secret-in-env-b81d2e';

for (const store of STORES) {
  t.test(`${store}: no env value and no token in the logs; every expected line is there`, async (t) => {
    const controller = await startController(t, { store, localNodes: 1, env: { BATCH_LOG_LEVEL: 'debug' } });
    const admin = new BatchClient({ url: controller.url, token: controller.token });
    await waitReadyNodes(admin, 1);
    const { token } = await admin.createUser({ name: 'carol' });
    const carol = new BatchClient({ url: controller.url, token });

    const job = await carol.submitJob({
      name: 'with-secrets',
      tasks: [
        {
          name: 'uses-env',
          instances: 2,
          env: { API_KEY: ENV_VALUE, OTHER: ANOTHER_VALUE },
          // Instance 1 fails: its failure is logged, with the reason.
          command: 'test "$API_KEY" = "$API_KEY" && test "$BATCH_INSTANCE_INDEX" = 0',
        },
      ],
    });
    t.equal((await waitJobFinished(carol, job.id)).state, 'FAILED');
    await carol.getJob(job.id);
    await carol.listInstances(job.id, 'uses-env');

    const log = controller.log();
    for (const [what, secret] of [
      ['an env value', ENV_VALUE],
      ['another env value', ANOTHER_VALUE],
      ["the user's token", token],
      ['the admin token', ADMIN_TOKEN],
    ] as const)
      t.notOk(log.includes(secret), `${what} is not in the controller's log`);
    t.notMatch(log, /authorization/i, 'no header is logged');

    const lines = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    t.ok(
      lines.some((l) => l.level === 'debug'),
      'the log was written at debug level',
    );
    /** The first line with these fields (an empty object if none, which then fails the match). */
    const lineWith = (key: string, value: unknown) => lines.find((l) => l[key] === value) ?? {};
    t.match(lineWith('event', 'job.submitted'), {
      jobId: job.id,
      name: 'with-secrets',
      owner: 'carol',
      state: 'PENDING',
    });
    t.match(lineWith('event', 'job.finished'), {
      jobId: job.id,
      name: 'with-secrets',
      owner: 'carol',
      state: 'FAILED',
    });
    t.match(lineWith('event', 'instance.failed'), {
      jobId: job.id,
      failureReason: 'EXIT_CODE',
      exitCode: 1,
      retried: false,
    });
    t.ok(
      lines.some(
        (l) =>
          l.component === 'gateway' && /^node n-\S+ \(local-0, .*\) connected from 127\.0\.0\.1/.test(String(l.msg)),
      ),
      'the node joining',
    );
    t.match(lineWith('route', '/v1/jobs'), { component: 'http', method: 'POST', status: 201, user: 'carol' });
    t.match(lineWith('route', '/v1/jobs/:id/tasks/:task/instances'), {
      component: 'http',
      method: 'GET',
      status: 200,
      user: 'carol',
      durationMs: Number,
    });
    t.notOk(
      lines.some((l) => l.component === 'http' && String(l.route).includes(job.id)),
      'the access log names route patterns, not paths',
    );

    // A local node's host directory is named by its node id.
    const [localNode] = (await admin.listNodes({ environment: 'local' })).items;
    const agentLog = path.join(controller.dataDir, 'local-nodes', localNode!.id, 'agent.log');
    t.ok(existsSync(agentLog), 'the local agent has a log');
    const agentText = readFileSync(agentLog, 'utf8');
    t.notOk(agentText.includes(ENV_VALUE) || agentText.includes(ANOTHER_VALUE), "no env value in the agent's log");
    t.notOk(agentText.includes(token), "no token in the agent's log");
  });
}
