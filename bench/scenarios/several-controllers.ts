/**
 * Scenario — two controllers, A and B, on one PostgreSQL database (docs/operations.md):
 *   1. start latency across controllers: one-instance jobs submitted one at a time to A, whose
 *      only nodes are simulated nodes connected to B; submit → the node received startAttempt
 *      (A's submit wakes B by NOTIFY; B places and sends);
 *   2. stop latency across controllers, 20 tries: a real agent connected only to B runs
 *      `sleep`; `POST /v1/jobs/{id}/stop` through A → the process is gone (polled every 2 ms);
 *   3. dispatch with both controllers: the `dispatch` fleet and jobs, half the nodes on each
 *      controller, jobs submitted alternately to A and B; instances/s from the first submit to
 *      the last final status persisted. `dispatch.postgres.instances_per_s` is the same load on
 *      one controller.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchClient, Job } from '../../sdk/index.js';
import type { Cleanup } from '../cleanup.js';
import { sleep, wallNow } from '../clock.js';
import { startController } from '../controller.js';
import type { Deadline } from '../deadline.js';
import { figure, type Figure } from '../figures.js';
import { AGENT_MAIN } from '../paths.js';
import { CpuWindow, pidsNamed } from '../proc-stats.js';
import { scaled, type RunContext, type Scenario } from '../scenario.js';
import { SimulatorHandle } from '../simulator/handle.js';
import { percentile } from '../stats.js';
import { dispatchShape } from './dispatch.js';

const STOP_TRIES = 20;
const WARMUP_JOBS = 10;

export const severalControllers: Scenario = {
  id: 'several-controllers',
  title: 'Two controllers on one PostgreSQL: start and stop across them, dispatch',
  stores: ['postgres'],
  byDefault: true,
  timeoutS: (scale) => Math.max(180, Math.round(900 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const { cleanup, deadline } = ctx;
    const a = await startController(cleanup, deadline, { store: 'postgres', keep: ctx.options.keep });
    const b = await startController(cleanup, deadline, {
      store: 'postgres',
      keep: ctx.options.keep,
      ...(a.databaseUrl ? { databaseUrl: a.databaseUrl } : {}),
    });
    const { token } = await a.client.createRegistrationToken('local');
    const shape = dispatchShape(ctx.options.scale);
    const half = Math.max(1, Math.floor(shape.nodes / 2));

    // 1. Start latency: submit to A, the nodes are B's.
    const simB = (
      await SimulatorHandle.start(cleanup, deadline, {
        url: b.url,
        registrationToken: token,
        nodes: half,
        cpu: shape.cpuPerNode,
        connectBatch: 200,
        logChunk: false,
        recordTimings: true,
        validate: ctx.options.validate,
      })
    ).sim;
    const samples = scaled(200, ctx.options.scale, 50);
    ctx.log(`${WARMUP_JOBS} warm-up jobs, then ${samples} submitted to A onto ${half} nodes of B`);
    const submits: { jobId: string; at: number }[] = [];
    for (let i = 0; i < WARMUP_JOBS + samples; i++) {
      const at = wallNow();
      const job = await a.client.submitJob({ name: `across-${i}`, tasks: [{ name: 't', command: 'true' }] });
      await deadline.race(simB.finalsAcked(i + 1), () => `job ${job.id}: no final status acked`);
      if (i >= WARMUP_JOBS) submits.push({ jobId: job.id, at });
      await sleep(5);
    }
    const timings = await simB.timings();
    const toStart = submits.map((s) => {
      const t = timings[s.jobId];
      if (!t) throw new Error(`the simulator never started job ${s.jobId}`);
      return t.startReceived - s.at;
    });

    // 2. Stop latency: a real process on an agent connected only to B, stopped through A.
    const stops = await stopLatencies(ctx, a.client, b.url, token);

    // 3. Dispatch over both controllers.
    const simA = (
      await SimulatorHandle.start(cleanup, deadline, {
        url: a.url,
        registrationToken: token,
        nodes: shape.nodes - half,
        cpu: shape.cpuPerNode,
        connectBatch: 200,
        logChunk: false,
        recordTimings: false,
        validate: ctx.options.validate,
      })
    ).sim;
    const dispatched = await dispatchOverBoth(ctx, [a.client, b.client], [simA, simB], shape, [a.pid, b.pid]);

    const conditions = { store: 'postgres', controllers: 2 };
    const name = (what: string) => `several-controllers.postgres.${what}`;
    return [
      figure(name('submit_to_start_across_p50'), percentile(toStart, 50), 'ms', {
        ...conditions,
        nodes: half,
        jobs: samples,
      }),
      figure(name('submit_to_start_across_p99'), percentile(toStart, 99), 'ms', {
        ...conditions,
        nodes: half,
        jobs: samples,
      }),
      figure(name('stop_across_p50'), percentile(stops, 50), 'ms', { ...conditions, tries: STOP_TRIES }),
      figure(
        name('stop_across_p99'),
        percentile(stops, 99),
        'ms',
        { ...conditions, tries: STOP_TRIES },
        {
          target: { op: '<=', value: 1000 },
        },
      ),
      figure(name('dispatch_instances_per_s'), dispatched.instances / dispatched.seconds, 'instances/s', {
        ...conditions,
        nodes: shape.nodes,
        instances: dispatched.instances,
      }),
      figure(name('dispatch_controllers_cpu'), dispatched.controllersCpuPercent, '% of a core (both)', {
        ...conditions,
        nodes: shape.nodes,
      }),
      figure(name('dispatch_postgres_cpu'), dispatched.postgresCpuPercent, '% of a core', {
        ...conditions,
        nodes: shape.nodes,
      }),
    ];
  },
};

async function stopLatencies(ctx: RunContext, viaA: BatchClient, bUrl: string, token: string): Promise<number[]> {
  const { cleanup, deadline } = ctx;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-agent-'));
  // Tasks may run as a user of their own (task isolation as root): their pid files go where anyone may write.
  const marks = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-marks-'));
  chmodSync(marks, 0o1777);
  cleanup.add(`remove ${dir} and ${marks}`, () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(marks, { recursive: true, force: true });
  });
  const stopAgent = startAgent(cleanup, dir, bUrl, token);
  await deadline.poll(
    async () =>
      (await viaA.listNodes()).items.some((n) => n.name === 'bench-stop-agent' && n.state === 'READY')
        ? true
        : undefined,
    100,
    () => 'waiting for the agent connected to B',
  );
  const latencies: number[] = [];
  ctx.log(`${STOP_TRIES} stops through A of a process on B's agent`);
  for (let i = 0; i < STOP_TRIES; i++) {
    const pidFile = path.join(marks, `pid-${i}`);
    const job = await viaA.submitJob({
      name: `stop-${i}`,
      // Only this agent's cpu fits: the simulated nodes offer 4, this one 64.
      tasks: [{ name: 't', command: `echo $$ > ${pidFile}; exec sleep 300`, resources: { cpu: 32 } }],
    });
    const pid = await deadline.poll(
      async () => {
        if (existsSync(pidFile)) return Number(readFileSync(pidFile, 'utf8')) || undefined;
        const { state } = await viaA.getJob(job.id);
        if (state === 'FAILED' || state === 'STOPPED') throw new Error(`stop ${i}: job ${job.id} ended ${state}`);
        return undefined;
      },
      5,
      () => `stop ${i}: waiting for the process to start`,
    );
    await deadline.poll(
      async () => ((await viaA.getJob(job.id)).state === 'RUNNING' ? true : undefined),
      5,
      () => `stop ${i}: waiting for RUNNING`,
    );
    const asked = wallNow();
    await viaA.stopJob(job.id);
    await deadline.poll(
      () => (alive(pid) ? undefined : true),
      2,
      () => `stop ${i}: waiting for the process to die`,
    );
    latencies.push(wallNow() - asked);
    await deadline.poll(
      async () => ((await viaA.getJob(job.id)).state === 'STOPPED' ? true : undefined),
      10,
      () => `stop ${i}: waiting for STOPPED`,
    );
  }
  // Gone before the dispatch phase, whose instances only the simulators count.
  stopAgent();
  await sleep(500);
  return latencies;
}

/** Starts a real agent; returns what kills it (also done at cleanup). */
function startAgent(cleanup: Cleanup, dir: string, url: string, token: string): () => void {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATCH_CONTROLLER_URL: url,
    BATCH_REGISTRATION_TOKEN: token,
    BATCH_AGENT_DIR: dir,
    BATCH_NODE_NAME: 'bench-stop-agent',
    BATCH_NODE_CPU: '64',
  };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [AGENT_MAIN], {
    env,
    stdio: ['ignore', openSync(path.join(dir, 'agent.log'), 'a'), 'ignore'],
    detached: true,
  });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  cleanup.add('stop the agent', kill);
  return kill;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function dispatchOverBoth(
  ctx: RunContext,
  clients: BatchClient[],
  sims: SimulatorHandle[],
  shape: ReturnType<typeof dispatchShape>,
  controllerPids: number[],
): Promise<{ instances: number; seconds: number; controllersCpuPercent: number; postgresCpuPercent: number }> {
  const deadline: Deadline = ctx.deadline;
  const instances = shape.jobs * shape.tasksPerJob * shape.instancesPerTask;
  const acked = async () => {
    let n = 0;
    for (const sim of sims) n += (await sim.counters()).finalsAcked;
    return n;
  };
  const before = await acked();
  const controllersCpu = new CpuWindow(() => controllerPids);
  const postgresCpu = new CpuWindow(() => pidsNamed('postgres'));
  ctx.log(`submitting ${instances} instances alternately to A and B`);
  const started = wallNow();
  const jobs: Job[] = [];
  for (let j = 0; j < shape.jobs; j++) {
    jobs.push(
      await clients[j % clients.length]!.submitJob({
        name: `dispatch-${j}`,
        tasks: Array.from({ length: shape.tasksPerJob }, (_, t) => ({
          name: `t${t}`,
          command: 'true',
          instances: shape.instancesPerTask,
        })),
      }),
    );
  }
  let done = 0;
  await deadline.poll(
    async () => {
      done = (await acked()) - before;
      return done >= instances ? true : undefined;
    },
    20,
    () => `${done} of ${instances} instances persisted`,
  );
  const seconds = (wallNow() - started) / 1000;
  const cpu = controllersCpu.read();
  const pg = postgresCpu.read();
  for (const sim of sims) {
    const { duplicateStarts } = await sim.counters();
    if (duplicateStarts > 0) throw new Error(`an attempt was started twice (${duplicateStarts})`);
  }
  await deadline.poll(
    async () => {
      const states = await Promise.all(jobs.map((j) => clients[0]!.getJob(j.id)));
      const bad = states.find((j) => j.state === 'FAILED' || j.state === 'STOPPED');
      if (bad) throw new Error(`job ${bad.name} ended ${bad.state}: ${JSON.stringify(bad.counts)}`);
      return states.every((j) => j.state === 'SUCCEEDED') ? true : undefined;
    },
    100,
    () => 'waiting for every job to be SUCCEEDED after the last status was persisted',
  );
  return {
    instances,
    seconds,
    controllersCpuPercent: (cpu.seconds / seconds) * 100,
    postgresCpuPercent: (pg.seconds / seconds) * 100,
  };
}
