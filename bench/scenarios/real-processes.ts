/**
 * Scenario 3 — real processes: 2,000 instances of `true` on the built-in local environment (two
 * agent processes on this host), instances/s from the submit to the job's end, next to this
 * host's raw spawn rate measured in the same run, just before and just after, at the same
 * parallelism (the higher of the two is the yardstick).
 */
import { wallNow } from '../clock.js';
import { startController, waitForReadyNodes } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { CpuWindow, HostCpuWindow, pidsNamed } from '../proc-stats.js';
import { profiling, scaled, type RunContext, type Scenario } from '../scenario.js';
import { spawnRate } from '../spawn-rate.js';

const LOCAL_NODES = 2;
/** Slots each local agent offers (BATCH_NODE_CPU; each instance takes 1 cpu). */
const SLOTS_PER_NODE = 8;
const WARMUP_INSTANCES = 2 * LOCAL_NODES * SLOTS_PER_NODE;

export const realProcesses: Scenario = {
  id: 'real-processes',
  title: 'Real processes (`true`) on local agents',
  stores: ['postgres', 'pglite'],
  byDefault: true,
  timeoutS: (scale) => Math.max(60, Math.round(180 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const instances = scaled(2000, ctx.options.scale, 200);
    const parallelism = LOCAL_NODES * SLOTS_PER_NODE;

    ctx.log(`raw spawn rate: ${instances} × /bin/sh -c true and /bin/true, ${parallelism} at a time`);
    const rawShellBefore = await ctx.deadline.race(spawnRate('/bin/sh', ['-c', 'true'], instances, parallelism));
    const rawTrue = await ctx.deadline.race(spawnRate('/bin/true', [], instances, parallelism));

    const controller = await startController(ctx.cleanup, ctx.deadline, {
      store,
      localNodes: LOCAL_NODES,
      env: { BATCH_NODE_CPU: String(SLOTS_PER_NODE) },
      keep: ctx.options.keep,
      ...profiling(ctx),
    });
    const client = controller.client;
    await waitForReadyNodes(client, LOCAL_NODES, ctx.deadline);
    const runJob = async (name: string, count: number) => {
      const submitAt = wallNow();
      const job = await client.submitJob({ name, tasks: [{ name: 't', command: 'true', instances: count }] });
      const done = await ctx.deadline.poll(
        async () => {
          const j = await client.getJob(job.id);
          if (j.state === 'FAILED' || j.state === 'STOPPED')
            throw new Error(`job ${name} ended ${j.state}: ${JSON.stringify(j.counts)}`);
          return j.state === 'SUCCEEDED' ? j : undefined;
        },
        50,
        () => `job ${name} not finished`,
      );
      // The job's end as the controller recorded it (same host clock): no polling delay in it.
      return { submitAt, endedAt: Date.parse(done.endedAt!) };
    };
    ctx.log(`warm-up job of ${WARMUP_INSTANCES} instances, then ${instances} instances of true`);
    await runJob('warmup', WARMUP_INSTANCES);
    const agentsCpu = new CpuWindow(() => controller.localAgentPids());
    const controllerCpu = new CpuWindow(() => [controller.pid]);
    const postgresCpu = new CpuWindow(() => (store === 'postgres' ? pidsNamed('postgres') : []));
    const hostCpu = new HostCpuWindow();
    const { submitAt, endedAt } = await runJob('true', instances);
    const machineBusy = hostCpu.percentOfMachine();
    const seconds = (endedAt - submitAt) / 1000;
    const rate = instances / seconds;
    // The raw rate swings with whatever else the machine is doing (a previous scenario's database
    // still vacuuming, say): measured before and after, the higher one is the yardstick.
    const controllerCpuSeconds = controllerCpu.read().seconds;
    const agentsCpuSeconds = agentsCpu.read().seconds;
    const postgresCpuSeconds = postgresCpu.read().seconds;
    ctx.log('raw spawn rate again, after');
    const rawShellAfter = await ctx.deadline.race(spawnRate('/bin/sh', ['-c', 'true'], instances, parallelism));
    const rawShell = Math.max(rawShellBefore, rawShellAfter);

    const conditions = {
      store,
      instances,
      localNodes: LOCAL_NODES,
      slotsPerNode: SLOTS_PER_NODE,
      rawParallelism: parallelism,
      rawShellBefore: Math.round(rawShellBefore),
      rawShellAfter: Math.round(rawShellAfter),
    };
    const name = (what: string) => `real-processes.${store}.${what}`;
    return [
      figure(name('instances_per_s'), rate, 'instances/s', conditions),
      figure(
        name('raw_spawn_sh_per_s'),
        rawShell,
        'spawns/s (/bin/sh -c true; higher of before and after)',
        conditions,
      ),
      figure(name('raw_spawn_true_per_s'), rawTrue, 'spawns/s (/bin/true)', conditions),
      figure(name('ratio_to_raw'), rate / rawShell, '× raw sh spawn rate', conditions, {
        target: { op: '>=', value: 0.5 },
      }),
      figure(name('controller_cpu'), (controllerCpuSeconds / seconds) * 100, '% of a core', conditions),
      figure(
        name('agents_cpu'),
        (agentsCpuSeconds / seconds) * 100,
        '% of a core (both agents, not their children)',
        conditions,
      ),
      ...(store === 'postgres'
        ? [figure(name('postgres_cpu'), (postgresCpuSeconds / seconds) * 100, '% of a core', conditions)]
        : []),
      figure(name('machine_busy'), machineBusy, '% of all cores (every process)', conditions),
    ];
  },
};
