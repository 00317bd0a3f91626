import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Heartbeat, LogChunk } from '../../protocol/messages.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { startAgent } from './agent-process.js';
import { FakeController, startAttempt } from './fake-controller.js';

const isChunk = (m: { kind: string }): m is LogChunk => m.kind === 'logChunk';

t.test('unacknowledged chunks and statuses are sent again after a reconnect; acknowledged ones are not', async (t) => {
  const controller = await FakeController.start(t, { autoAck: false });
  const dir = tmpDir(t);
  const agent = startAgent(t, { controllerUrl: controller.url, dir, registrationToken: 'tok' });
  const first = await controller.connection(0);
  await agent.waitForLog('connected to');

  // the command prints, then waits for the test to create `go` in its work dir, then prints again
  const workDir = join(dir, 'work', 'j-test', 'work', '0', '1');
  first.send(startAttempt(31, 'echo one; while [ ! -f go ]; do sleep 0.02; done; echo two; exit 4'));
  await first.waitForOutput(31, 'one\n');
  first.send({
    kind: 'ack',
    statuses: [{ attemptId: 31, state: 'RUNNING' }],
    logs: [{ attemptId: 31, stream: 'stdout', seq: 0 }],
  });
  writeFileSync(join(workDir, 'go'), '');
  const final = await first.waitForFinal(31);
  t.match(final, { state: 'FAILED', exitCode: 4 });
  t.same(
    first.chunks(31).map((c) => c.seq),
    [0, 1],
  );
  first.close();

  const second = await controller.connection(1);
  t.same(second.hello?.running, [31], 'hello lists the attempt whose end is unacknowledged');
  await second.waitForFinal(31);
  t.same(
    second.received.filter(isChunk).map((c) => [c.seq, Buffer.from(c.data).toString()]),
    [[1, 'two\n']],
    'only the unacknowledged chunk is sent again',
  );
  t.same(second.final(31), final, 'the final status is sent again unchanged');
  const chunkAt = second.received.findIndex(isChunk);
  const statusAt = second.received.findIndex((m) => m.kind === 'attemptStatus');
  t.ok(chunkAt < statusAt, 'the chunk is sent again before the status');
  t.equal(second.statuses(31).length, 1, 'the acknowledged RUNNING is not sent again');

  second.send({
    kind: 'ack',
    statuses: [{ attemptId: 31, state: 'FAILED' }],
    logs: [{ attemptId: 31, stream: 'stdout', seq: 1 }],
  });
  second.close();
  const third = await controller.connection(2);
  t.same(third.hello?.running, [], 'nothing is held any more');
  await agent.waitForLog(/(connected to(.|\n)*){3}/);
  // anything sent again would arrive before the messages of a later attempt
  third.send(startAttempt(32, 'true'));
  await third.waitForFinal(32);
  third.send({ kind: 'ack', statuses: [{ attemptId: 32, state: 'SUCCEEDED' }], logs: [] });
  t.same(
    third.received.filter((m) => (m.kind === 'logChunk' || m.kind === 'attemptStatus') && m.attemptId === 31),
    [],
  );
});

t.test('heartbeats carry metrics and the attempts still running', async (t) => {
  const controller = await FakeController.start(t, { heartbeatIntervalMs: 100 });
  const dir = tmpDir(t);
  const agent = startAgent(t, { controllerUrl: controller.url, dir, registrationToken: 'tok' });
  const conn = await controller.connection(0);
  await agent.waitForLog('connected to');
  conn.send(startAttempt(33, 'sleep 300'));
  await waitFor('RUNNING', () => conn.statuses(33).length > 0);

  const isBeat = (m: { kind: string }): m is Heartbeat => m.kind === 'heartbeat';
  const beat = await conn.waitFor(
    'a heartbeat with metrics listing attempt 33',
    (m): m is Heartbeat => isBeat(m) && m.metrics !== undefined && m.running.includes(33),
  );
  t.ok(beat.metrics!.memoryTotalMiB > 0, 'memory total');
  t.ok(beat.metrics!.diskTotalMiB > 0, 'disk total of the agent dir file system');
  t.ok(beat.metrics!.diskFreeMiB <= beat.metrics!.diskTotalMiB);
  t.ok(beat.metrics!.cpuPercent >= 0 && beat.metrics!.cpuPercent <= 100, 'cpu percent');
  t.ok(Math.abs(beat.metrics!.at - Date.now()) < 60_000, 'timestamped');

  conn.send({ kind: 'killAttempt', attemptId: 33, reason: 'STOPPED' });
  await conn.waitForFinal(33);
  const after = conn.received.length;
  await waitFor('a heartbeat without attempt 33', () =>
    conn.received.slice(after).find((m) => isBeat(m) && m.running.length === 0),
  );
  t.pass('an acknowledged, ended attempt leaves the running list');
});
