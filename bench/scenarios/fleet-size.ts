/**
 * Scenario 5 — fleet size: 10,000 simulated nodes connected and heartbeating at the controller's
 * default interval, no work. The controller's RSS once they are connected and settled, and its
 * CPU over a window of several heartbeat intervals, next to its idle baseline before any node.
 */
import { startController } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { CpuWindow, memoryBytes, MIB, percentOfCore, pidsNamed } from '../proc-stats.js';
import { scaled, type RunContext, type Scenario } from '../scenario.js';
import { SimulatorHandle } from '../simulator/handle.js';
import { median } from '../stats.js';

/** The controller's default BATCH_HEARTBEAT_INTERVAL_MS, stated rather than assumed. */
const HEARTBEAT_MS = 5000;
const BASELINE_MS = 5000;

export const fleetSize: Scenario = {
  id: 'fleet-size',
  title: 'Fleet size: simulated nodes heartbeating',
  stores: ['postgres'],
  byDefault: true,
  timeoutS: (scale) => Math.max(90, Math.round(300 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const nodes = scaled(10_000, ctx.options.scale, 100);
    const windowMs = Math.max(10_000, Math.round(30_000 * ctx.options.scale));
    const controller = await startController(ctx.cleanup, ctx.deadline, {
      store,
      env: { BATCH_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) },
      keep: ctx.options.keep,
    });
    const { token } = await controller.client.createRegistrationToken('local');

    const baseline = new CpuWindow(() => [controller.pid]);
    await ctx.deadline.sleep(BASELINE_MS);
    const idleCpu = percentOfCore(baseline.read());
    const rssBefore = memoryBytes(controller.pid, 'VmRSS')!;

    ctx.log(`connecting ${nodes} simulated nodes, 200 at a time`);
    const { sim, connectMs } = await SimulatorHandle.start(ctx.cleanup, ctx.deadline, {
      url: controller.url,
      registrationToken: token,
      nodes,
      cpu: 4,
      connectBatch: 200,
      logChunk: false,
      recordTimings: false,
      validate: ctx.options.validate,
    });
    // Let the connection burst settle: every node's first heartbeat, the scheduler's wake-ups.
    await ctx.deadline.sleep(HEARTBEAT_MS + 2000);

    ctx.log(`measuring over ${windowMs / 1000} s`);
    const before = await sim.counters();
    const controllerCpu = new CpuWindow(() => [controller.pid]);
    const postgresCpu = new CpuWindow(() => pidsNamed('postgres'));
    const rss: number[] = [];
    for (let t = 0; t < windowMs; t += 1000) {
      await ctx.deadline.sleep(1000);
      rss.push(memoryBytes(controller.pid, 'VmRSS')!);
    }
    const cpu = controllerCpu.read();
    const pgCpu = postgresCpu.read();
    const after = await sim.counters();
    if (after.connected !== nodes || after.disconnects > 0) {
      throw new Error(
        `${after.connected} of ${nodes} nodes connected, ${after.disconnects} disconnects during the run`,
      );
    }
    const heartbeats = after.heartbeats - before.heartbeats;
    const steadyRss = median(rss);

    const conditions = {
      store,
      nodes,
      heartbeatIntervalMs: HEARTBEAT_MS,
      windowS: windowMs / 1000,
      heartbeatsInWindow: heartbeats,
    };
    const name = (what: string) => `fleet-size.${store}.${what}`;
    return [
      figure(name('controller_rss'), steadyRss / MIB, 'MiB', conditions, { target: { op: '<=', value: 500 } }),
      figure(name('controller_cpu'), percentOfCore(cpu), '% of a core', conditions, {
        target: { op: '<=', value: 25 },
      }),
      figure(name('controller_idle_cpu'), idleCpu, '% of a core (no nodes)', conditions),
      figure(name('rss_per_node'), (steadyRss - rssBefore) / nodes / 1024, 'KiB per node', conditions),
      figure(name('postgres_cpu'), percentOfCore(pgCpu), '% of a core', conditions),
      figure(name('heartbeats_per_s'), heartbeats / (cpu.wallMs / 1000), 'heartbeats/s', conditions),
      figure(name('connect_rate'), nodes / (connectMs / 1000), 'nodes/s (registration)', conditions),
      figure(name('simulator_rss'), after.rssBytes / MIB, 'MiB', conditions),
    ];
  },
};
