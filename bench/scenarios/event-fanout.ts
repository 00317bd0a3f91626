/**
 * Event fan-out: 1,000 clients follow `GET /v1/events` (one user, the admin: every event) while
 * a simulated fleet runs a job, and what that costs the controller's memory: RSS before the
 * streams open, and the peak (VmHWM) once every client has received the job's last event. The
 * issue's budget for the growth is 200 MB. One reader per controller serves them all, so the
 * streams also show how many queries they did *not* cost.
 */
import { ADMIN_TOKEN, startController } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { memoryBytes, MIB } from '../proc-stats.js';
import { scaled, type RunContext, type Scenario } from '../scenario.js';
import { SimulatorHandle } from '../simulator/handle.js';
import { chunksOf } from '../../sdk/byte-stream.js';
import { serverSentEvents } from '../../sdk/server-sent-events.js';

export const eventFanout: Scenario = {
  id: 'event-fanout',
  title: 'Event stream fan-out, 1,000 followers',
  stores: ['postgres'],
  byDefault: true,
  timeoutS: (scale) => Math.max(120, Math.round(300 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const followers = scaled(1000, ctx.options.scale, 100);
    const instances = scaled(10_000, ctx.options.scale, 1000);
    const controller = await startController(ctx.cleanup, ctx.deadline, {
      store,
      keep: ctx.options.keep,
      env: { BATCH_EVENT_STREAMS_PER_USER: String(followers + 10), BATCH_EVENT_STREAMS_MAX: String(followers + 10) },
    });
    const { token } = await controller.client.createRegistrationToken('local');
    const { sim } = await SimulatorHandle.start(ctx.cleanup, ctx.deadline, {
      url: controller.url,
      registrationToken: token,
      nodes: 50,
      cpu: 4,
      connectBatch: 50,
      logChunk: false,
      recordTimings: false,
      validate: false,
    });
    const baseline = memoryBytes(controller.pid, 'VmRSS') ?? 0;

    ctx.log(`opening ${followers} event streams`);
    const abort = new AbortController();
    ctx.cleanup.add('close the event streams', () => abort.abort());
    let jobId = '';
    const finishedBy = new Array<boolean>(followers).fill(false);
    const counts = new Array<number>(followers).fill(0);
    const opened = Array.from({ length: followers }, async (_, i) => {
      const res = await fetch(`${controller.url}/v1/events`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: abort.signal,
      });
      if (res.status !== 200) throw new Error(`stream ${i}: HTTP ${res.status} ${await res.text()}`);
      // Wrapped: an async function returning the promise would wait for the stream to end.
      const reading = (async () => {
        try {
          for await (const m of serverSentEvents(chunksOf(res.body!))) {
            if (m.event === 'open') continue;
            counts[i]! += 1;
            const e = JSON.parse(m.data) as { kind: string; jobId?: string; state: string };
            if (e.kind === 'job' && e.jobId === jobId && e.state === 'SUCCEEDED') finishedBy[i] = true;
          }
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      })();
      return { reading };
    });
    const reading = (await Promise.all(opened)).map((o) => o.reading);
    const connected = memoryBytes(controller.pid, 'VmRSS') ?? 0;

    ctx.log(`running a job of ${instances} instances with every stream following`);
    const before = await sim.counters();
    const job = await controller.client.submitJob({
      name: 'fanout',
      tasks: [{ name: 't', command: 'true', instances }],
    });
    jobId = job.id;
    await sim.finalsAcked(before.finalsAcked + instances);
    await ctx.deadline.poll(
      () => finishedBy.every(Boolean) || undefined,
      50,
      () => `waiting for every stream to see the job end (${finishedBy.filter(Boolean).length} of ${followers})`,
    );
    const peak = memoryBytes(controller.pid, 'VmHWM') ?? 0;
    abort.abort();
    await Promise.all(reading);

    const conditions = { store, followers, instances };
    const name = (what: string) => `event_fanout.${store}.${what}`;
    return [
      figure(name('rss_growth'), (peak - baseline) / MIB, 'MiB (peak RSS minus RSS before the streams)', conditions, {
        target: { op: '<=', value: 200 },
      }),
      figure(name('rss_connected'), (connected - baseline) / MIB, 'MiB (streams open, no events yet)', conditions),
      figure(name('events_per_follower'), Math.min(...counts), 'events (the fewest any stream got)', conditions),
    ];
  },
};
