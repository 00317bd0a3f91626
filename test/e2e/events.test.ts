/**
 * The "done when" for events, with real processes: a consumer of a 100-instance job that
 * disconnects and resumes with Last-Event-ID, then loses the controller to SIGKILL and resumes
 * from the restarted one, receives every event of the job exactly once and in order — and never
 * an event of another user.
 */
import t from 'tap';
import type { BatchEvent } from '../../protocol/api.js';
import { isJobFinished, type JobState } from '../../protocol/states.js';
import { chunksOf } from '../../sdk/byte-stream.js';
import { BatchClient } from '../../sdk/client.js';
import { serverSentEvents } from '../../sdk/server-sent-events.js';
import { runBatchctl } from '../support/batchctl.js';
import { fixedPort, STORES, startAgent, startController } from '../support/cluster.js';
import { within } from '../support/wait.js';
import { waitJobFinished, waitReadyNodes } from './fixture.js';

const INSTANCES = 100;

/**
 * Reads the stream resuming after `lastId` (as a reconnecting EventSource would send it) until
 * `enough` says so or the connection ends; returns why it stopped.
 */
async function follow(
  url: string,
  token: string,
  lastId: number,
  query: string,
  onEvent: (e: BatchEvent) => boolean,
): Promise<'enough' | 'ended' | 'dropped'> {
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/events${query}`, {
    headers: { authorization: `Bearer ${token}`, 'last-event-id': String(lastId) },
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  try {
    for await (const m of serverSentEvents(chunksOf(res.body!))) {
      if (m.event === 'open') continue;
      if (onEvent(JSON.parse(m.data) as BatchEvent)) {
        abort.abort();
        return 'enough';
      }
    }
    return 'ended';
  } catch {
    return 'dropped';
  }
}

for (const store of STORES) {
  t.test(`${store}: resuming with Last-Event-ID across a disconnect and a controller SIGKILL`, async (t) => {
    const port = fixedPort();
    const controller = await startController(t, { store, port });
    const admin = new BatchClient({ url: controller.url, token: controller.token });
    const { token: registration } = await admin.createRegistrationToken('local');
    for (let i = 0; i < 2; i++)
      await startAgent(t, { controllerUrl: controller.url, registrationToken: registration, name: `n${i}`, cpu: 4 });
    await waitReadyNodes(admin, 2);
    const alice = await admin.createUser({ name: 'alice' });
    const bob = await admin.createUser({ name: 'bob' });
    const asAlice = new BatchClient({ url: controller.url, token: alice.token });
    const asBob = new BatchClient({ url: controller.url, token: bob.token });

    const job = await asAlice.submitJob({
      name: 'followed',
      tasks: [{ name: 'work', instances: INSTANCES, command: 'sleep 0.05' }],
    });
    const bobs = await asBob.submitJob({ name: 'other', tasks: [{ name: 'b', instances: 5, command: 'true' }] });

    const received: BatchEvent[] = [];
    const last = () => received[received.length - 1]?.id ?? 0;
    const done = (e: BatchEvent) => e.kind === 'job' && e.jobId === job.id && isJobFinished(e.state as JobState);

    // 1. From the start of what is retained; the consumer goes away after 40 events.
    t.equal(
      await within(
        'the first 40 events',
        follow(controller.url, alice.token, 0, '', (e) => received.push(e) >= 40),
        60_000,
      ),
      'enough',
    );
    // 2. It comes back; the controller is killed under it after 120 events.
    let killed: Promise<void> | undefined;
    const second = await within(
      'the stream to drop with the controller',
      follow(controller.url, alice.token, last(), '', (e) => {
        received.push(e);
        if (received.length >= 120) killed ??= controller.kill();
        return done(e);
      }),
      60_000,
    );
    await killed;
    t.not(second, 'ended', `the second connection stopped: ${second}`);
    const again = await startController(t, {
      store,
      port,
      dataDir: controller.dataDir,
      ...(controller.databaseUrl ? { databaseUrl: controller.databaseUrl } : {}),
    });
    // 3. It resumes from the restarted controller until the job has finished.
    if (!received.some(done))
      t.equal(
        await within(
          'the rest of the job',
          follow(again.url, alice.token, last(), '', (e) => received.push(e) > 0 && done(e)),
          120_000,
        ),
        'enough',
      );
    const asAdmin = new BatchClient({ url: again.url, token: again.token });
    t.equal((await waitJobFinished(asAdmin, job.id, 60_000)).state, 'SUCCEEDED');
    await waitJobFinished(asAdmin, bobs.id, 60_000);

    t.equal(new Set(received.map((e) => e.id)).size, received.length, 'no event twice');
    t.same(
      received.filter((e) => e.jobId !== job.id),
      [],
      "only alice's job: never bob's, nor the admin's nodes",
    );
    const perInstance = new Map<number, string[]>();
    for (const e of received)
      if (e.kind === 'instance') perInstance.set(e.instance!, [...(perInstance.get(e.instance!) ?? []), e.state]);
    t.equal(perInstance.size, INSTANCES, 'every instance');
    t.same(
      [...perInstance.entries()].filter(([, states]) => !/^SCHEDULED,(RUNNING,)?SUCCEEDED$/.test(states.join())),
      [],
      // A start and an end reported in one batch are one write: RUNNING is then never stored.
      'each went SCHEDULED, (RUNNING,) SUCCEEDED, in that order',
    );
    t.match(
      received.filter((e) => e.kind !== 'instance').map((e) => `${e.kind}:${e.state}`),
      ['job:PENDING', 'task:RUNNING', 'job:RUNNING', 'task:SUCCEEDED', 'job:SUCCEEDED'],
    );
    // 100 instances on 2 × 4 cpu wait for capacity while the task runs; once it ends, it waits for nothing.
    t.notOk(
      received.find((e) => e.kind === 'task' && e.state === 'SUCCEEDED')?.reason,
      'a finished task carries no pending reason',
    );
    // What the database retained for alice, replayed in one go, is exactly what she received.
    const replay: BatchEvent[] = [];
    await follow(again.url, alice.token, 0, '?follow=false', (e) => {
      replay.push(e);
      return false;
    });
    t.same(
      replay.map((e) => e.id),
      received.map((e) => e.id),
      'the same events in the same order',
    );

    // batchctl events without -f: what is retained, then it exits.
    const cli = await runBatchctl(['events', '--job', job.id, '--kind', 'job'], { url: again.url, token: alice.token });
    t.equal(cli.code, 0, cli.stderr);
    t.match(
      cli.stdout,
      new RegExp(`^\\d+  \\S+Z  job ${job.id}  PENDING\n.*  RUNNING\n.*  SUCCEEDED\n$`),
      'one line per event',
    );
    const json = await runBatchctl(['events', '--json', '--job', job.id, '--state', 'SUCCEEDED', '--kind', 'task'], {
      url: again.url,
      token: alice.token,
    });
    t.match(JSON.parse(json.stdout), { kind: 'task', task: 'work', state: 'SUCCEEDED', jobId: job.id });
    // -f --job on a job that already ended: its story from the start, then the command exits
    const followed = await runBatchctl(['events', '-f', '--job', job.id, '--kind', 'job'], {
      url: again.url,
      token: alice.token,
    });
    t.equal(followed.code, 0, followed.stderr);
    t.equal(followed.stdout, cli.stdout, '-f --job prints the job from its start and stops at its end');
  });
}
