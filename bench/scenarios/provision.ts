/**
 * Scenario — provision: a managed environment on the `command` provider scales from 0 to 1,000
 * nodes and back to 0. The provider's programs are a small sh script (provider-script.ts) that
 * hands each create and delete to the simulator in spool mode (simulator/spool.ts), whose
 * simulated agents register with each node's own single-use token over the real protocol.
 *
 * Up: from the scale call until the environment counts every node READY (GET
 * /v1/compute-environments/NAME, every 50 ms). Down: from the scale call until none is left that
 * is not TERMINATED. For each phase: nodes/s; when the last create or delete request reached the
 * simulator (what follows is registration, or the controller's own writes); the CPU of the
 * controller, of the provider programs it ran (its waited-for children: the sh script and its
 * `cat`), of PostgreSQL and of the simulator; how long the controller's main thread was runnable but waiting for a CPU
 * (/proc/<pid>/schedstat: what other processes took from it); how busy the whole machine was.
 * Beside them, this host's raw spawn rate (`sh -c true` from Node, as many at a time as the
 * controller runs programs) just before, the yardstick of what spawning alone would allow.
 * BATCH_PROVIDER_CONCURRENCY in the bench's environment reaches the controller (default 32);
 * `--profile` logs what PostgreSQL's sessions were doing and waiting for in each phase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchClient } from '../../sdk/index.js';
import { wallNow } from '../clock.js';
import { startController } from '../controller.js';
import type { Deadline } from '../deadline.js';
import { figure, type Conditions, type Figure } from '../figures.js';
import { PgActivitySampler } from '../pg-activity.js';
import { CpuWindow, HostCpuWindow, percentOfCore, pidsNamed, programCpuSeconds, schedSeconds } from '../proc-stats.js';
import { writeProviderScript } from '../provider-script.js';
import { profiling, scaled, type RunContext, type Scenario } from '../scenario.js';
import { SimulatorHandle } from '../simulator/handle.js';
import type { SimCounters } from '../simulator/ipc.js';
import { spawnRate } from '../spawn-rate.js';

const ENVIRONMENT = 'bench-provision';
const POLL_MS = 50;
/** The controller's default BATCH_PROVIDER_CONCURRENCY, stated rather than assumed. */
const DEFAULT_CONCURRENCY = 32;

export const provision = provisionScenario(false);
/** The same through a batch create: one program run per round of nodes instead of one per node. */
export const provisionBatch = provisionScenario(true);

function provisionScenario(batch: boolean): Scenario {
  return {
    id: batch ? 'provision-batch' : 'provision',
    title: batch
      ? 'Provision and drain simulated nodes through the command provider, one create run per round'
      : 'Provision and drain simulated nodes through the command provider',
    stores: ['postgres'],
    byDefault: true,
    timeoutS: (scale) => Math.max(90, Math.round(240 * scale)),
    async run(ctx: RunContext): Promise<Figure[]> {
      const store = ctx.store!;
      const nodes = scaled(1000, ctx.options.scale, 50);
      const concurrency = Number(process.env.BATCH_PROVIDER_CONCURRENCY ?? DEFAULT_CONCURRENCY);

      const workDir = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-provision-'));
      ctx.cleanup.add(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
      const { spoolDir, command } = writeProviderScript(workDir, batch);

      // The yardstick: how fast this host spawns a shell right now, as many at a time as the controller may.
      ctx.log(`raw spawn rate: ${nodes} × /bin/sh -c true, ${concurrency} at a time`);
      const rawSpawn = await ctx.deadline.race(spawnRate('/bin/sh', ['-c', 'true'], nodes, concurrency));

      const controller = await startController(ctx.cleanup, ctx.deadline, {
        store,
        keep: ctx.options.keep,
        ...profiling(ctx),
      });
      const client = controller.client;
      const sim = await SimulatorHandle.startSpool(ctx.cleanup, ctx.deadline, {
        dir: spoolDir,
        cpu: 4,
        validate: ctx.options.validate,
      });
      await client.createEnvironment({
        name: ENVIRONMENT,
        type: 'managed',
        provider: 'command',
        desiredNodes: 0,
        command: { ...command, timeoutSeconds: 60 },
      });
      // The pool's first pass over the new environment also lists its hosts (then once a minute): let it pass.
      await ctx.deadline.sleep(1500);

      /**
       * One scale call and the wait for its end. `handedOver`: the simulator's count of the requests
       * this phase makes (creates or deletes), so the moment the controller's last program call
       * reached the simulator is known apart from the end (calls vs. what follows them).
       */
      const phase = async (
        desired: number,
        done: (states: Record<string, number>) => boolean,
        handedOver: (c: SimCounters) => number,
        what: () => string,
      ) => {
        // --profile: what PostgreSQL's sessions were doing, and waiting for, during the phase.
        const sampler =
          ctx.options.profile && controller.databaseUrl
            ? new PgActivitySampler(controller.databaseUrl, { waits: true })
            : undefined;
        sampler?.start();
        const windows = {
          controller: new CpuWindow(() => [controller.pid]),
          programs: programCpuSeconds(controller.pid),
          postgres: new CpuWindow(() => pidsNamed('postgres')),
          simulator: new CpuWindow(() => [sim.pid]),
          host: new HostCpuWindow(),
          sched: schedSeconds(controller.pid),
        };
        const startedAt = wallNow();
        await client.scaleEnvironment(ENVIRONMENT, desired);
        const target = handedOver(await sim.counters()) + nodes;
        let callsDoneAt: number | undefined;
        await ctx.deadline.poll(
          async () => {
            const [env, counters] = await Promise.all([client.getEnvironment(ENVIRONMENT), sim.counters()]);
            if (callsDoneAt === undefined && handedOver(counters) >= target) callsDoneAt = wallNow();
            return done(env.nodes) ? true : undefined;
          },
          POLL_MS,
          what,
        );
        const endedAt = wallNow();
        const seconds = (endedAt - startedAt) / 1000;
        const controllerCpu = windows.controller.read();
        if (sampler) {
          ctx.log(`PostgreSQL sessions while scaling to ${desired} (share of 20 ms samples):`);
          for (const s of await sampler.stop(10))
            ctx.log(`  ${(s.share * 100).toFixed(0).padStart(4)} %  ${s.statement}`);
        }
        return {
          seconds,
          rate: nodes / seconds,
          controllerCpu: percentOfCore(controllerCpu),
          controllerCpuMsPerNode: (controllerCpu.seconds * 1000) / nodes,
          programsCpu: percentOfCore({
            seconds: programCpuSeconds(controller.pid) - windows.programs,
            wallMs: controllerCpu.wallMs,
          }),
          postgresCpu: percentOfCore(windows.postgres.read()),
          simulatorCpu: percentOfCore(windows.simulator.read()),
          machineBusy: windows.host.percentOfMachine(),
          // The controller's main thread (its event loop) runnable but waiting for a CPU, as a share of the phase.
          controllerRunqueueWait: waitedShare(windows.sched, schedSeconds(controller.pid), seconds),
          // When the simulator had every request of the phase (the last program call had run), from the scale call.
          callsSeconds: ((callsDoneAt ?? endedAt) - startedAt) / 1000,
        };
      };

      let seen: Record<string, number> = {};
      ctx.log(`scaling ${ENVIRONMENT} from 0 to ${nodes} nodes (provider concurrency ${concurrency})`);
      const up = await phase(
        nodes,
        (states) => {
          seen = states;
          return (states.READY ?? 0) >= nodes;
        },
        (c) => c.created,
        () => `scaling up: ${JSON.stringify(seen)}`,
      );
      ctx.log(
        `up: ${nodes} READY in ${up.seconds.toFixed(2)} s (${up.rate.toFixed(0)} nodes/s), the last create call at ${up.callsSeconds.toFixed(2)} s`,
      );
      await checkUp(client, sim, nodes, ctx.deadline);

      ctx.log(`scaling ${ENVIRONMENT} from ${nodes} to 0`);
      const down = await phase(
        0,
        (states) => {
          seen = states;
          return Object.values(states).every((n) => n === 0);
        },
        (c) => c.deleted,
        () => `scaling down: ${JSON.stringify(seen)} not TERMINATED yet`,
      );
      ctx.log(
        `down: ${nodes} TERMINATED in ${down.seconds.toFixed(2)} s (${down.rate.toFixed(0)} nodes/s), the last delete call at ${down.callsSeconds.toFixed(2)} s`,
      );
      await checkDown(client, sim, nodes, ctx.deadline);

      const conditions: Conditions = {
        store,
        nodes,
        providerConcurrency: concurrency,
        program: batch ? 'batch create (one Node run per round) + sh delete' : 'sh script + cat',
      };
      const name = (what: string) => `${batch ? 'provision_batch' : 'provision'}.${store}.${what}`;
      const target = { op: '>=', value: 200 } as const;
      const both = (key: Exclude<keyof typeof up, 'rate'>, what: string, unit: string): Figure[] => [
        figure(name(`${what}_up`), up[key], unit, conditions),
        figure(name(`${what}_down`), down[key], unit, conditions),
      ];
      return [
        figure(name('up_rate'), up.rate, 'nodes/s (0 → READY)', conditions, { target }),
        figure(name('down_rate'), down.rate, 'nodes/s (READY → TERMINATED)', conditions, { target }),
        ...both('seconds', 'seconds', 's'),
        ...both('callsSeconds', 'program_calls_seconds', 's until the last program call reached the simulator'),
        ...both('controllerCpu', 'controller_cpu', '% of a core'),
        ...both('controllerCpuMsPerNode', 'controller_cpu_per_node', 'ms of CPU per node'),
        ...both('programsCpu', 'provider_programs_cpu', '% of a core'),
        ...both('postgresCpu', 'postgres_cpu', '% of a core'),
        ...both('simulatorCpu', 'simulator_cpu', '% of a core'),
        ...both('controllerRunqueueWait', 'controller_runqueue_wait', '% of the phase (main thread waiting for a CPU)'),
        ...both('machineBusy', 'machine_busy', '% of the machine'),
        figure(name('raw_spawn_rate'), rawSpawn, 'spawns/s (/bin/sh -c true, before the run)', conditions),
      ];
    },
  };
}

/** Every node READY with its host's providerId; every host an agent that registered, none refused. */
async function checkUp(client: BatchClient, sim: SimulatorHandle, nodes: number, deadline: Deadline): Promise<void> {
  let missing = 0;
  // The providerId is written once create returns, which may be just after the agent registered.
  await deadline.poll(
    async () => {
      const all = await allNodes(client);
      const ready = all.filter((n) => n.state === 'READY');
      if (ready.length !== nodes || all.length !== nodes)
        throw new Error(`${ready.length} READY of ${all.length} nodes, ${nodes} wanted: ${describe(all)}`);
      missing = ready.filter((n) => n.providerId === null).length;
      return missing === 0 ? true : undefined;
    },
    100,
    () => `${missing} READY nodes without a providerId`,
  );
  const c = await sim.counters();
  if (c.created !== nodes || c.connected !== nodes || c.rejects > 0 || c.disconnects > 0 || c.spoolErrors > 0)
    throw new Error(
      `the simulator started ${c.created} hosts for ${nodes} nodes: ${c.connected} connected, ${c.rejects} refused, ${c.disconnects} disconnected, ${c.spoolErrors} spool errors`,
    );
}

/** Every node TERMINATED, and its host deleted through the provider (the agent stopped). */
async function checkDown(client: BatchClient, sim: SimulatorHandle, nodes: number, deadline: Deadline): Promise<void> {
  const all = await allNodes(client);
  if (all.length !== nodes || all.some((n) => n.state !== 'TERMINATED'))
    throw new Error(`after the scale-in: ${describe(all)}`);
  let c = await sim.counters();
  await deadline.poll(
    async () => {
      c = await sim.counters();
      return c.deleted === nodes && c.connected === 0 ? true : undefined;
    },
    50,
    () => `the simulator had ${c.deleted} delete requests for ${nodes} hosts, ${c.connected} still connected`,
  );
  if (c.spoolErrors > 0) throw new Error(`${c.spoolErrors} spool errors in the simulator`);
}

function waitedShare(
  before: { waiting: number } | undefined,
  after: { waiting: number } | undefined,
  seconds: number,
): number | null {
  return before && after && seconds > 0 ? ((after.waiting - before.waiting) / seconds) * 100 : null;
}

type NodeRow = Awaited<ReturnType<BatchClient['listNodes']>>['items'][number];

async function allNodes(client: BatchClient): Promise<NodeRow[]> {
  const out: NodeRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listNodes({
      environment: ENVIRONMENT,
      all: true,
      limit: 5000,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

function describe(all: readonly NodeRow[]): string {
  const byState: Record<string, number> = {};
  for (const n of all) byState[n.state] = (byState[n.state] ?? 0) + 1;
  const message = all.find((n) => n.message && n.state !== 'READY')?.message;
  return `${JSON.stringify(byState)}${message ? `; e.g. "${message}"` : ''}`;
}
