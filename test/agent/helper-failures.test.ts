/**
 * Issue #18 on Linux: helpers that fail inside a running agent (failing-helpers.ts, loaded into
 * the real agent process) are logged once each and the agent goes on heartbeating and running
 * attempts; a metrics probe that fails (the disk under the agent dir is gone) reports zeros. An
 * error that means the agent itself is broken still stops it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Heartbeat } from '../../protocol/messages.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor, within } from '../support/wait.js';
import { startAgent } from './agent-process.js';
import { FakeController, startAttempt, type FakeConnection } from './fake-controller.js';

const FAILING_HELPERS = fileURLToPath(new URL('./failing-helpers.js', import.meta.url));
const TOKEN = 'reg-token-helpers';

const heartbeats = (conn: FakeConnection): Heartbeat[] =>
  conn.received.filter((m): m is Heartbeat => m.kind === 'heartbeat');

const linesWith = (text: string, part: string): number => text.split('\n').filter((l) => l.includes(part)).length;

t.test('helpers that fail, and a probe that fails, leave the agent heartbeating and running attempts', async (t) => {
  const controller = await FakeController.start(t, { heartbeatIntervalMs: 100 });
  const agentDir = join(tmpDir(t), 'agent');
  const agent = startAgent(t, {
    controllerUrl: controller.url,
    dir: agentDir,
    registrationToken: TOKEN,
    nodeOptions: ['--import', FAILING_HELPERS],
  });
  const conn = await controller.connection(0);

  // the guard on every child process names the program and the pipe
  await agent.waitForLog(/helper true \(pid \d+\), stdin: write EPIPE/);
  await agent.waitForLog(/helper sleep \(pid \d+\), stdin: write EPIPE/);
  await agent.waitForLog(
    /helper batch-test-no-such-helper \(pid none\), process: spawn batch-test-no-such-helper ENOENT/,
  );
  // the process-wide handler, for a socket that is no child's
  await agent.waitForLog(/a helper failed; the agent carries on \(logged once per kind\): Error: \w+ ECONNRESET/);
  const measured = await waitFor('a heartbeat with metrics', () =>
    heartbeats(conn).find((h) => h.metrics !== undefined),
  );
  t.ok(measured.metrics!.memoryTotalMiB > 0 && measured.metrics!.diskTotalMiB > 0, 'memory and disk are measured');

  // the file system under the agent dir is gone (once the credential is stored there): statfs
  // fails, the disk figures are zeros
  await agent.waitForLog('registered as node');
  rmSync(agentDir, { recursive: true, force: true });
  const since = heartbeats(conn).length;
  const zeroed = await waitFor(
    'a heartbeat with the disk probe failed',
    () =>
      heartbeats(conn)
        .slice(since)
        .find((h) => h.metrics?.diskTotalMiB === 0),
    { describe: () => agent.stderr },
  );
  t.match(zeroed.metrics, { diskFreeMiB: 0, diskTotalMiB: 0 }, 'the failed probe reports zeros');
  t.ok(zeroed.metrics!.memoryTotalMiB > 0, 'the other probes still answer');
  const after = heartbeats(conn).length;
  await waitFor('20 more heartbeats while the helpers keep failing', () => heartbeats(conn).length >= after + 20, {
    describe: () => agent.stderr,
  });

  conn.send(startAttempt(1, 'echo still working'));
  t.equal((await conn.waitForFinal(1)).state, 'SUCCEEDED', 'an attempt runs');
  t.equal(conn.output(1), 'still working\n');

  t.ok(agent.running, 'the agent is still running');
  t.notMatch(agent.stderr, /stopping|internal error/);
  const log = agent.stderr;
  t.equal(linesWith(log, 'helper true '), 1, 'each kind of failure is logged once, however often it happens');
  t.equal(linesWith(log, 'helper sleep '), 1);
  t.equal(linesWith(log, 'helper batch-test-no-such-helper '), 1);
  t.ok(linesWith(log, 'a helper failed') <= 2, 'the socket: once per syscall (connect, read) at most');
  t.equal(linesWith(log, 'metrics: disk probe failed'), 1);
});

t.test('an error of the agent itself still stops it', async (t) => {
  const controller = await FakeController.start(t, { heartbeatIntervalMs: 100 });
  const agent = startAgent(t, {
    controllerUrl: controller.url,
    dir: tmpDir(t),
    registrationToken: TOKEN,
    nodeOptions: ['--import', FAILING_HELPERS],
    env: { FAILING_HELPERS: 'bug' },
  });
  const exit = await within('the agent to stop', agent.exited);
  t.equal(exit.code, 1);
  t.match(agent.stderr, /stopping: internal error: TypeError/);
});
