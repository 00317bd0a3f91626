/**
 * The measured core of the dispatch scenarios, shared by `dispatch` and `growth`: a controller, a
 * simulated fleet, jobs submitted back to back, and the time until the last final status was
 * persisted (the simulator sees the controller's ack, which is sent after the write committed).
 */
import type { BatchClient, Job } from '../sdk/index.js';
import { wallNow } from './clock.js';
import { startController, type StoreKind } from './controller.js';
import type { Deadline } from './deadline.js';
import type { Cleanup } from './cleanup.js';
import { CpuWindow, HostCpuWindow, memoryBytes, pidsNamed } from './proc-stats.js';
import { PROFILES_DIR } from './paths.js';
import { PgActivitySampler } from './pg-activity.js';
import { SimulatorHandle } from './simulator/handle.js';

export interface DispatchShape {
  nodes: number;
  cpuPerNode: number;
  jobs: number;
  tasksPerJob: number;
  instancesPerTask: number;
}

export interface DispatchResult {
  instances: number;
  /** From the first submit to the last final status persisted. */
  seconds: number;
  submitSeconds: number;
  connectSeconds: number;
  controllerCpuSeconds: number;
  controllerCpuPercent: number;
  controllerPeakRssBytes: number;
  postgresCpuPercent: number;
  simulatorCpuPercent: number;
  /** Every process on the machine, in % of all its cores: is the machine itself the limit? */
  machineBusyPercent: number;
  /** Events a client following `/v1/events` received during the run (0 without `follower`). */
  eventsFollowed: number;
}

export async function runDispatch(
  store: StoreKind,
  shape: DispatchShape,
  ctx: {
    deadline: Deadline;
    cleanup: Cleanup;
    keep: boolean;
    validate: boolean;
    profile: boolean;
    log: (message: string) => void;
    /** A client follows every event (`GET /v1/events`, the admin's: all of them) during the run. */
    follower?: boolean;
  },
): Promise<DispatchResult> {
  const { deadline, cleanup } = ctx;
  const instances = shape.jobs * shape.tasksPerJob * shape.instancesPerTask;
  const controller = await startController(cleanup, deadline, {
    store,
    keep: ctx.keep,
    ...(ctx.profile ? { cpuProfileDir: PROFILES_DIR } : {}),
  });
  const { token } = await controller.client.createRegistrationToken('local');
  ctx.log(`connecting ${shape.nodes} simulated nodes`);
  const { sim, connectMs } = await SimulatorHandle.start(cleanup, deadline, {
    url: controller.url,
    registrationToken: token,
    nodes: shape.nodes,
    cpu: shape.cpuPerNode,
    connectBatch: 200,
    logChunk: false,
    recordTimings: false,
    validate: ctx.validate,
  });
  const before = await sim.counters();
  const follower = ctx.follower ? followEvents(controller.client, cleanup) : undefined;

  ctx.log(`submitting ${shape.jobs} × ${shape.tasksPerJob} × ${shape.instancesPerTask} = ${instances} instances`);
  const controllerCpu = new CpuWindow(() => [controller.pid]);
  const postgresCpu = new CpuWindow(() => (store === 'postgres' ? pidsNamed('postgres') : []));
  const hostCpu = new HostCpuWindow();
  const sampler = ctx.profile && controller.databaseUrl ? new PgActivitySampler(controller.databaseUrl) : undefined;
  if (sampler) {
    sampler.start();
    cleanup.add('stop sampling PostgreSQL', async () => {
      await sampler.stop();
    });
  }
  const started = wallNow();
  const done = sim.finalsAcked(before.finalsAcked + instances);
  const jobs: Job[] = [];
  for (let j = 0; j < shape.jobs; j++) {
    jobs.push(
      await controller.client.submitJob({
        name: `dispatch-${j}`,
        tasks: Array.from({ length: shape.tasksPerJob }, (_, t) => ({
          name: `t${t}`,
          command: 'true',
          instances: shape.instancesPerTask,
        })),
      }),
    );
  }
  const submitted = wallNow();
  const progress = async () => {
    const acked = (await sim.counters()).finalsAcked - before.finalsAcked;
    const s = (wallNow() - started) / 1000;
    return `${acked} of ${instances} instances persisted after ${s.toFixed(0)} s, ${(acked / s).toFixed(0)}/s`;
  };
  // Progress is only informative; a simulator that died fails the wait below by itself.
  const ticker = setInterval(() => void progress().then(ctx.log, () => {}), 5000);
  let finished: number;
  try {
    finished = await deadline.race(done, progress);
  } finally {
    clearInterval(ticker);
  }
  const cpu = controllerCpu.read();
  const pgCpu = postgresCpu.read();
  const machineBusy = hostCpu.percentOfMachine();
  const after = await sim.counters();
  if (sampler) {
    ctx.log('PostgreSQL statements by share of 20 ms samples while dispatching:');
    for (const { statement, share } of await sampler.stop())
      ctx.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${statement}`);
  }

  // Cross-check what the simulator saw with what the controller says.
  if (after.duplicateStarts > 0) throw new Error(`the controller started ${after.duplicateStarts} attempts twice`);
  await deadline.poll(
    async () => {
      const states = await Promise.all(jobs.map((j) => controller.client.getJob(j.id)));
      const bad = states.find((j) => j.state === 'FAILED' || j.state === 'STOPPED');
      if (bad) throw new Error(`job ${bad.name} ended ${bad.state}: ${JSON.stringify(bad.counts)}`);
      if (!states.every((j) => j.state === 'SUCCEEDED')) return undefined;
      const succeeded = states.reduce((n, j) => n + (j.counts.SUCCEEDED ?? 0), 0);
      if (succeeded !== instances) throw new Error(`${succeeded} instances SUCCEEDED, expected ${instances}`);
      return true;
    },
    100,
    () => 'waiting for every job to be SUCCEEDED after the last status was persisted',
  );

  const seconds = (finished - started) / 1000;
  return {
    eventsFollowed: follower ? await follower.stop() : 0,
    instances,
    seconds,
    submitSeconds: (submitted - started) / 1000,
    connectSeconds: connectMs / 1000,
    controllerCpuSeconds: cpu.seconds,
    controllerCpuPercent: (cpu.seconds / seconds) * 100,
    controllerPeakRssBytes: memoryBytes(controller.pid, 'VmHWM') ?? 0,
    postgresCpuPercent: store === 'postgres' ? (pgCpu.seconds / seconds) * 100 : 0,
    simulatorCpuPercent: ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100,
    machineBusyPercent: machineBusy,
  };
}

/** A client following every event from now on, until stopped; returns how many it received. */
function followEvents(client: BatchClient, cleanup: Cleanup): { stop(): Promise<number> } {
  const abort = new AbortController();
  let received = 0;
  const following = (async () => {
    try {
      for await (const event of client.events({ signal: abort.signal })) if (event.id > 0) received += 1;
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  cleanup.add('stop following events', () => abort.abort());
  return {
    async stop() {
      abort.abort();
      await following;
      return received;
    },
  };
}
