/**
 * The compiled Linux batch-agent (dist/agent/linux-x64/batch-agent, `make agent`), laid out as on
 * a baked image (<dir>/batch-agent, start_agent.sh, agent.conf) and started through
 * start_agent.sh: it registers, stays READY through three minutes of heartbeats every 500 ms (a
 * crash that comes late fails the test, see stay-ready.ts), runs a DAG job with logs and exit
 * codes meanwhile, runs a job after the three minutes, and is stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { startController } from '../support/cluster.js';
import { tmpDir, type Teardown } from '../support/tmp.js';
import { processesWith } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { readLog, waitJobFinished } from './fixture.js';
import { stillWorksAfter, watchReady } from './stay-ready.js';
import { readableLog } from '../support/readable-log.js';

const CONNECTED_MS = 3 * 60_000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BINARY = path.join(ROOT, 'dist/agent/linux-x64/batch-agent');

if (!existsSync(BINARY)) {
  t.fail(`${BINARY} is missing: build it with \`make agent\` (\`make test\` does)`);
} else {
  t.test('the Linux binary prints its versions and documents every variable', async (t) => {
    const version = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
    t.equal(version.status, 0);
    t.match(version.stdout, /^batch-agent \d+\.\d+\.\d+ \(protocol \d+\)\n$/);
    const help = spawnSync(BINARY, ['--help'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '--require /nonexistent' },
    });
    t.equal(help.status, 0, 'NODE_OPTIONS meant for the tasks does not reach the agent');
    for (const variable of [
      'BATCH_CONTROLLER_URL',
      'BATCH_REGISTRATION_TOKEN',
      'BATCH_AGENT_DIR',
      'BATCH_NODE_LABELS',
      'BATCH_NODE_NAME',
      'BATCH_NODE_CPU',
      'BATCH_NODE_MEMORY_MIB',
      'BATCH_NODE_GPU',
      'BATCH_KILL_GRACE_SECONDS',
    ]) {
      t.match(help.stdout, variable, `--help names ${variable}`);
    }
  });

  t.setTimeout(CONNECTED_MS + 2 * 60_000);
  t.test('started by start_agent.sh, the Linux binary registers, stays READY, runs a DAG and is stopped', async (t) => {
    const controller = await startController(t, { store: 'pglite', env: { BATCH_HEARTBEAT_INTERVAL_MS: '500' } });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const { token } = await client.createRegistrationToken('local');

    const home = tmpDir(t, 'batch-image-');
    copyFileSync(BINARY, path.join(home, 'batch-agent'));
    copyFileSync(path.join(ROOT, 'installers/start_agent.sh'), path.join(home, 'start_agent.sh'));
    writeFileSync(
      path.join(home, 'agent.conf'),
      `# as install-linux.sh writes it\nBATCH_CONTROLLER_URL=${controller.url}\nBATCH_REGISTRATION_TOKEN=${token}\nBATCH_NODE_LABELS=os=linux,image=baked\nBATCH_NODE_CPU=4\n`,
    );
    const agent = startDetached(t, path.join(home, 'start_agent.sh'), { BATCH_NODE_NAME: 'baked-linux' });
    const log = () =>
      existsSync(path.join(home, 'logs/agent.log')) ? readFileSync(path.join(home, 'logs/agent.log'), 'utf8') : '';

    const node = await waitFor(
      'the node to be READY',
      async () => {
        if (agent.exitCode !== null) throw new Error(`the agent exited before READY:\n${log()}`);
        return (await client.listNodes()).items.find((n) => n.state === 'READY');
      },
      {
        timeoutMs: 20_000,
        intervalMs: 50,
        describe: log,
      },
    );
    const watch = watchReady(t, client, {
      nodeId: node.id,
      agentGone: () =>
        agent.exitCode === null && agent.signalCode === null
          ? undefined
          : `the agent exited (${agent.exitCode ?? agent.signalCode})`,
      log,
    });
    t.equal(node.name, 'baked-linux', 'the environment wins over agent.conf');
    t.match(node.labels, { os: 'linux', image: 'baked' }, 'labels from agent.conf');
    t.equal(node.capacity.cpu, 4);
    t.match(
      log(),
      /start_agent\.sh: controller: http:\/\/127\.0\.0\.1/,
      'the log tells which controller the node talks to',
    );
    t.notMatch(log(), token, 'the registration token is never logged');
    t.ok(existsSync(path.join(home, 'data/node.json')), 'the credential is kept in <dir>/data');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1];
    t.comment(`idle RSS of the connected Linux agent: ${(Number(rss) / 1024).toFixed(1)} MiB`);

    const job = await client.submitJob({
      name: 'dag',
      tasks: [
        {
          name: 'split',
          instances: 2,
          command: 'echo "part $BATCH_INSTANCE_INDEX of $BATCH_INSTANCE_COUNT"; echo "warn $BATCH_INSTANCE_INDEX" >&2',
        },
        {
          name: 'check',
          instances: 2,
          dependsOn: ['split'],
          command: 'if [ "$BATCH_INSTANCE_INDEX" = 1 ]; then echo "bad part" >&2; exit 7; fi; echo ok',
        },
      ],
    });
    const done = await waitJobFinished(client, job.id, 30_000);
    t.equal(done.state, 'FAILED');
    t.same(
      done.tasks.map((task) => [task.name, task.counts]),
      [
        ['split', { SUCCEEDED: 2 }],
        ['check', { SUCCEEDED: 1, FAILED: 1 }],
      ],
    );
    t.equal(await readLog(client, job.id, 'split', 1), 'part 1 of 2\n');
    t.equal(await readLog(client, job.id, 'split', 1, 'stderr'), 'warn 1\n');
    t.equal(await readLog(client, job.id, 'check', 1, 'stderr'), 'bad part\n');
    const failed = (await client.getInstance(job.id, 'check', 1)).attempts[0];
    t.equal(failed?.exitCode, 7);
    t.equal(failed?.failureReason, 'EXIT_CODE');

    const marker = `batch-linux-stop-${process.pid}-${Date.now()}`;
    const long = await client.submitJob({
      name: 'long',
      tasks: [
        {
          name: 'sleepy',
          command: `echo "started $BATCH_ATTEMPT"; sh -c 'sleep 300; : ${marker}' & sh -c 'sleep 300; : ${marker}'; wait`,
        },
      ],
    });
    // the instance's shell and its two children
    await waitFor('the process tree to be running', () => processesWith(marker).length === 3, {
      timeoutMs: 20_000,
      describe: log,
    });
    await waitFor(
      'its first line to be streamed while it runs',
      async () => (await readLog(client, long.id, 'sleepy', 0)) === 'started 1\n',
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    await client.stopJob(long.id);
    const stopped = await waitJobFinished(client, long.id, 30_000);
    t.equal(stopped.state, 'STOPPED');
    await waitFor('the process tree to be gone', () => processesWith(marker).length === 0, { timeoutMs: 15_000 });
    t.pass('no process of the stopped instance is left');

    if (!(await stillWorksAfter(t, client, watch, { periodMs: CONNECTED_MS, nodeId: node.id, newline: '\n' }))) return;

    agent.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => agent.once('exit', (c) => resolve(c)));
    t.equal(code, 0, 'SIGTERM stops the agent cleanly (start_agent.sh execs it, so systemd signals the agent itself)');
    t.match(
      readableLog(log()),
      /batch-agent starting: node "baked-linux"/,
      'the agent writes its own lines (JSON) to the same log',
    );
  });
}

/** Its own process group, as under systemd; teardown kills the group. */
function startDetached(t: Teardown, command: string, env: NodeJS.ProcessEnv): ChildProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(command, [], { env: childEnv, stdio: 'ignore', detached: true });
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  });
  return child;
}
