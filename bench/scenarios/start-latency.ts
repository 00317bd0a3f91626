/**
 * Scenario 2 — start latency on a warm fleet: one-instance jobs submitted one at a time to idle
 * simulated nodes. Per job, from just before the submit request:
 *   - submit → start: the node received startAttempt;
 *   - submit → RUNNING: the node's RUNNING report was persisted (the controller acked it; the
 *     simulator reports RUNNING and SUCCEEDED in one frame, so they are stored together);
 *   - submit → SUCCEEDED seen: the client polling GET /v1/jobs/{id} saw SUCCEEDED.
 * The client starts polling once the simulator has the final status's ack (an IPC push, no
 * request to the controller): a client polling every 5 ms from the submit on was most of the
 * controller's work in this scenario, and it slowed the very start it was waiting for.
 */
import { sleep, wallNow } from '../clock.js';
import { startController } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { profiling, scaled, type RunContext, type Scenario } from '../scenario.js';
import { SimulatorHandle } from '../simulator/handle.js';
import { percentile } from '../stats.js';

/** The client's poll interval; "seen" latencies are up to this much late (half on average). */
const POLL_MS = 5;
const WARMUP_JOBS = 20;

export const startLatency: Scenario = {
  id: 'start-latency',
  title: 'Start latency, warm simulated fleet',
  stores: ['postgres', 'pglite'],
  byDefault: true,
  timeoutS: (scale) => Math.max(60, Math.round(180 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const nodes = scaled(100, ctx.options.scale, 10);
    const samples = scaled(500, ctx.options.scale, 100);
    const controller = await startController(ctx.cleanup, ctx.deadline, {
      store,
      keep: ctx.options.keep,
      ...profiling(ctx),
    });
    const client = controller.client;
    const { token } = await client.createRegistrationToken('local');
    const { sim } = await SimulatorHandle.start(ctx.cleanup, ctx.deadline, {
      url: controller.url,
      registrationToken: token,
      nodes,
      cpu: 4,
      connectBatch: 200,
      logChunk: false,
      recordTimings: true,
      validate: ctx.options.validate,
    });

    const measured: { jobId: string; submitAt: number; responseAt: number; seenAt: number }[] = [];
    ctx.log(`${WARMUP_JOBS} warm-up jobs, then ${samples} measured, one at a time, on ${nodes} idle nodes`);
    for (let i = 0; i < WARMUP_JOBS + samples; i++) {
      const submitAt = wallNow();
      const job = await client.submitJob({ name: `latency-${i}`, tasks: [{ name: 't', command: 'true' }] });
      const responseAt = wallNow();
      await ctx.deadline.race(sim.finalsAcked(i + 1), () => `job ${job.id}: the simulator has no final status acked`);
      await ctx.deadline.poll(
        async () => {
          const { state } = await client.getJob(job.id);
          if (state === 'FAILED' || state === 'STOPPED') throw new Error(`job ${job.id} ended ${state}`);
          return state === 'SUCCEEDED' ? true : undefined;
        },
        POLL_MS,
        () => `${Math.max(0, i - WARMUP_JOBS)} of ${samples} measured jobs done`,
      );
      if (i >= WARMUP_JOBS) measured.push({ jobId: job.id, submitAt, responseAt, seenAt: wallNow() });
      // Idle between jobs, so each one meets a quiet controller rather than the previous one's tail.
      await sleep(5);
    }

    const timings = await sim.timings();
    const toStart: number[] = [];
    const toRunning: number[] = [];
    for (const m of measured) {
      const t = timings[m.jobId];
      if (!t?.runningAcked) throw new Error(`the simulator has no RUNNING ack for job ${m.jobId}`);
      toStart.push(t.startReceived - m.submitAt);
      toRunning.push(t.runningAcked - m.submitAt);
    }
    const seen = measured.map((m) => m.seenAt - m.submitAt);
    const request = measured.map((m) => m.responseAt - m.submitAt);
    const conditions = { store, nodes, jobs: samples, warmup: WARMUP_JOBS, pollMs: POLL_MS };
    const name = (what: string) => `start-latency.${store}.${what}`;
    return [
      figure(name('submit_to_running_p50'), percentile(toRunning, 50), 'ms', conditions, {
        target: { op: '<=', value: 10 },
      }),
      figure(name('submit_to_running_p99'), percentile(toRunning, 99), 'ms', conditions, {
        target: { op: '<=', value: 50 },
      }),
      figure(name('submit_to_start_p50'), percentile(toStart, 50), 'ms', conditions),
      figure(name('submit_to_start_p99'), percentile(toStart, 99), 'ms', conditions),
      figure(name('submit_to_succeeded_seen_p50'), percentile(seen, 50), 'ms', conditions),
      figure(name('submit_to_succeeded_seen_p99'), percentile(seen, 99), 'ms', conditions),
      figure(name('submit_request_p50'), percentile(request, 50), 'ms', conditions),
    ];
  },
};
