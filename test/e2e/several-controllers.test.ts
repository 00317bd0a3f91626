/**
 * Several controllers on one PostgreSQL database (SPEC §7): controllers killed and restarted
 * under a running job, a stop through one controller reaching a node connected to another, and
 * a singleton duty (lost-node detection) taken over when its leaseholder dies.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import t from 'tap';
import type { Instance } from '../../protocol/api.js';
import { ADMIN_TOKEN, startAgent, type Agent } from '../support/cluster.js';
import { sharedTmpDir, type Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { clientOfAny, postgresAvailable, startControllers, type Member } from './controllers.js';
import { pidAlive, waitJobFinished, waitReadyNodes } from './fixture.js';
import { instancesOf, readAttemptLog } from './instances.js';

if (await postgresAvailable()) defineTests();
else
  t.plan(0, 'PostgreSQL is not reachable at the test URL: several controllers need it (PGlite is single-controller)');

/** Agents spread over the controllers, each knowing all of them, first its own. */
async function agentsOver(
  t: Teardown,
  members: readonly Member[],
  count: number,
  token: string,
  cpu: number,
): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let i = 0; i < count; i++) {
    const urls = members.map((_, j) => members[(i + j) % members.length]!.url);
    agents.push(
      await startAgent(t, { controllerUrl: urls.join(','), registrationToken: token, name: `node-${i}`, cpu }),
    );
  }
  return agents;
}

function defineTests(): void {
  // Three tests of real controllers and agents, the first about a minute of chaos: room on a slow machine.
  t.setTimeout(6 * 60_000);
  t.test(
    'a 2,000-instance job ends SUCCEEDED while a controller is killed every 5 s: each instance once, every log exact, each schedule tick once',
    async (t) => {
      const { members, databaseUrl } = await startControllers(t, 3);
      const client = clientOfAny(
        members.map((m) => m.url),
        ADMIN_TOKEN,
      );
      const { token } = await client.createRegistrationToken('local');
      await agentsOver(t, members, 6, token, 2);
      await waitReadyNodes(client, 6);
      // A singleton duty with records of its own: a schedule ticking every second through the chaos.
      await client.createSchedule({
        name: 'every-second',
        cron: '* * * * * *',
        overlap: 'allow',
        job: { name: 'tick', tasks: [{ name: 'a', command: 'true', resources: { cpu: 0.01, memoryMiB: 1 } }] },
      });

      const count = 2000;
      await client.updateUserQuotas('admin', { instancesPerTask: count });
      const job = await client.submitJob({
        name: 'chaos',
        tasks: [
          {
            name: 'echo',
            instances: count,
            resources: { cpu: 0.25, memoryMiB: 8 },
            retries: 0,
            // A moment of work each, so the job outlives a few of the kills.
            command: 'echo "instance $BATCH_INSTANCE_INDEX of $BATCH_JOB_ID"; sleep 0.25',
          },
        ],
      });

      let kills = 0;
      const finished = { now: false };
      const chaos = (async () => {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 5000));
          if (finished.now) break;
          const victim = members[Math.floor(Math.random() * members.length)]!;
          await victim.kill();
          kills += 1;
          await victim.restart();
        }
      })();
      const done = await waitJobFinished(client, job.id, 150_000).finally(() => {
        finished.now = true;
      });
      await chaos;
      t.ok(kills > 0, `${kills} controller(s) killed and restarted while the job ran`);
      t.equal(done.state, 'SUCCEEDED', 'the job succeeded');
      t.same(done.counts, { SUCCEEDED: count }, 'every instance succeeded');

      const instances = await instancesOf(client, job.id, 'echo');
      t.equal(instances.length, count);
      const twice = instances.filter((i) => i.attempts.filter((a) => a.state === 'SUCCEEDED').length !== 1);
      t.same(
        twice.map((i) => i.index),
        [],
        'no instance succeeded twice (or never)',
      );
      // A second attempt is allowed only after one that the infrastructure failed, never after a success.
      const rerun = instances.filter((i) => i.attempts.length > 1);
      const byInfrastructure = (i: Instance) =>
        i.attempts
          .filter((a) => a.state !== 'SUCCEEDED')
          .every((a) => a.failureReason === 'NODE_LOST' || a.failureReason === 'AGENT_ERROR');
      t.same(
        rerun.filter((i) => !byInfrastructure(i)).map((i) => i.index),
        [],
        'instances ran more than once only after an infrastructure failure',
      );
      t.comment(`${rerun.length} instance(s) had more than one attempt`);

      const wrong: number[] = [];
      const queue = [...instances];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
            const ok = i.attempts.find((a) => a.state === 'SUCCEEDED')!;
            const text = await readAttemptLog(client, { jobId: job.id, task: 'echo', index: i.index }, ok.attempt);
            if (text !== `instance ${i.index} of ${job.id}\n`) wrong.push(i.index);
          }
        }),
      );
      t.same(wrong, [], 'every log is byte-exact');

      await client.pauseSchedule('every-second');
      const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      t.teardown(() => db.end({ timeout: 1 }));
      // A tick claimed by a controller killed before it finished is finished by the next holder.
      const runs = await waitFor(
        'every claimed tick to be finished',
        async () => {
          const rows = await db<{ tick: number; outcome: string | null; missed: number; job_id: string | null }[]>`
            SELECT extract(epoch FROM r.tick_at)::float8 AS tick, r.outcome, r.missed, r.job_id
            FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id WHERE s.name = 'every-second'
            ORDER BY r.tick_at`;
          return rows.every((r) => r.outcome !== null) ? rows : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      const span = runs.at(-1)!.tick - runs[0]!.tick + 1;
      const accounted = runs.reduce((n, r) => n + (r.outcome === 'MISSED' ? r.missed : 1 + r.missed), 0);
      t.equal(accounted, span, `each of ${span} ticks run or counted missed exactly once, across ${kills} kills`);
      const submitted = runs.filter((r) => r.job_id !== null).map((r) => r.job_id);
      const [jobs] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM jobs WHERE name = 'tick'`;
      t.equal(jobs!.n, submitted.length, 'one job per submitted tick, none twice');
      t.equal(new Set(submitted).size, submitted.length, 'no job for two ticks');
    },
  );

  t.test('a stop through controller A kills a process on a node connected to controller B', async (t) => {
    const { members } = await startControllers(t, 2);
    const [a, b] = members as [Member, Member];
    const viaA = clientOfAny([a.url], ADMIN_TOKEN);
    const { token } = await viaA.createRegistrationToken('local');
    // The agent knows only B: whatever A decides must reach it through B.
    await startAgent(t, { controllerUrl: b.url, registrationToken: token, name: 'node-b', cpu: 2 });
    await waitReadyNodes(viaA, 1);
    const marks = sharedTmpDir(t, 'batch-stop-across-');
    const job = await viaA.submitJob({
      name: 'across',
      tasks: [{ name: 'sleepy', instances: 1, command: `echo $$ > ${marks}/pid; exec sleep 300` }],
    });
    const pidFile = path.join(marks, 'pid');
    const pid = await waitFor('the instance to run on the node of B', () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined,
    );
    await waitFor('the job to be RUNNING', async () => (await viaA.getJob(job.id)).state === 'RUNNING');
    const asked = Date.now();
    await viaA.stopJob(job.id);
    await waitFor('the process to be killed', () => !pidAlive(pid), { timeoutMs: 30_000, intervalMs: 5 });
    t.comment(`stop through A to the process on B's node: ${Date.now() - asked} ms`);
    const done = await waitJobFinished(viaA, job.id, 30_000);
    t.equal(done.state, 'STOPPED', 'the job is STOPPED');
  });

  t.test('when the holder of the lost-node lease dies another controller takes the duty over', async (t) => {
    const { members } = await startControllers(t, 2, { BATCH_NODE_LOST_AFTER_MS: '5000' });
    // As an operator sees it: GET /v1/controllers through any controller that answers.
    const anyClient = clientOfAny(
      members.map((m) => m.url),
      ADMIN_TOKEN,
    );
    const holderOf = async (duty: string) =>
      (await anyClient.listControllers()).items.find((c) => c.state === 'up' && c.leases.includes(duty));
    const first = await waitFor('a controller to hold the lost-nodes lease', () => holderOf('lost-nodes'));
    const holder = members.find((m) => m.url === first.url)!;
    const survivor = members.find((m) => m !== holder)!;
    const client = clientOfAny([survivor.url], ADMIN_TOKEN);
    const { token } = await client.createRegistrationToken('local');
    const agents = await agentsOver(t, [holder, survivor], 2, token, 1);
    await waitReadyNodes(client, 2);

    await holder.kill();
    const next = await waitFor(
      'another controller to hold the lost-nodes lease',
      async () => {
        const row = await holderOf('lost-nodes');
        return row && row.id !== first.id ? row : undefined;
      },
      // The lease expires 10 s after its last renewal; the survivor renews every 3 s.
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    t.equal(next.url, survivor.url, 'the survivor holds the duty');
    await waitFor(
      'GET /v1/controllers to show both agents on the survivor',
      async () => (await holderOf('lost-nodes'))?.connectedNodes === 2,
      { timeoutMs: 20_000, intervalMs: 200 },
    );

    // node-0 was on the dead holder and moved over; node-1 was on the survivor all along.
    const nodes = (await client.listNodes()).items;
    const victim = nodes.find((n) => n.name === 'node-1')!;
    await agents[1]!.kill();
    await waitFor(
      'the killed agent to be declared LOST',
      async () => (await client.listNodes()).items.find((n) => n.id === victim.id)?.state === 'LOST',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    t.pass('the killed agent was declared LOST by the new holder');
    const alive = (await client.listNodes()).items.find((n) => n.name === 'node-0')!;
    t.equal(alive.state, 'READY', 'the agent whose controller died moved over and was never LOST');
  });
}
