/** The harness's side of the simulator: forks it, sends requests, awaits replies and pushes. */
import { fork, type ChildProcess } from 'node:child_process';
import type { Cleanup } from '../cleanup.js';
import type { Deadline } from '../deadline.js';
import { SIMULATOR_MAIN } from '../paths.js';
import type { FleetOptions, FromSimulator, JobTiming, Reply, Request, SimCounters, SpoolOptions } from './ipc.js';

type Pending = { resolve: (reply: Reply) => void; reject: (err: Error) => void };
type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class SimulatorHandle {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private reachedWaiter: { resolve: (at: number) => void; reject: (err: Error) => void } | undefined;
  private lastCounters: SimCounters | undefined;
  private exitError: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromSimulator) => this.onMessage(message));
    child.on('exit', (code, signal) => {
      this.exitError = new Error(`the simulator exited (${signal ?? `code ${code}`})`);
      for (const p of this.pending.values()) p.reject(this.exitError);
      this.pending.clear();
      this.reachedWaiter?.reject(this.exitError);
      this.reachedWaiter = undefined;
    });
  }

  /** Forks the simulator and opens the fleet's connections; resolves once every node is welcomed. */
  static async start(
    cleanup: Cleanup,
    deadline: Deadline,
    options: FleetOptions,
  ): Promise<{ sim: SimulatorHandle; connectMs: number }> {
    const sim = SimulatorHandle.fork(cleanup);
    const reply = await deadline.race(
      sim.request({ type: 'connect', options }),
      () => `${sim.lastCounters?.connected ?? 0} of ${options.nodes} simulated nodes connected`,
    );
    if (reply.type !== 'connected') throw new Error(`unexpected reply ${reply.type}`);
    return { sim, connectMs: reply.ms };
  }

  /**
   * Forks the simulator in spool mode (simulator/spool.ts): it starts a node for each create
   * request a provider program leaves in `options.dir` and ends it at its delete request.
   */
  static async startSpool(cleanup: Cleanup, deadline: Deadline, options: SpoolOptions): Promise<SimulatorHandle> {
    const sim = SimulatorHandle.fork(cleanup);
    await deadline.race(sim.request({ type: 'spool', options }), () => 'starting the simulator');
    return sim;
  }

  private static fork(cleanup: Cleanup): SimulatorHandle {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    // ws keeps per-connection buffers; 10,000 connections need more than the default heap.
    const child = fork(SIMULATOR_MAIN, [], {
      env,
      execArgv: ['--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const sim = new SimulatorHandle(child);
    cleanup.add('stop the simulator', () => sim.stop());
    return sim;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the wall-clock time (clock.ts) at which `count` final statuses had been acked. */
  async finalsAcked(count: number): Promise<number> {
    const reached = new Promise<number>((resolve, reject) => (this.reachedWaiter = { resolve, reject }));
    await this.request({ type: 'expectFinals', count });
    return reached;
  }

  async counters(): Promise<SimCounters> {
    const reply = await this.request({ type: 'counters' });
    if (reply.type !== 'counters') throw new Error(`unexpected reply ${reply.type}`);
    this.lastCounters = reply.counters;
    return reply.counters;
  }

  async timings(): Promise<Record<string, JobTiming>> {
    const reply = await this.request({ type: 'timings' });
    if (reply.type !== 'timings') throw new Error(`unexpected reply ${reply.type}`);
    return reply.byJob;
  }

  /** The last counters seen (from a reply or a push), for progress messages. */
  get latest(): SimCounters | undefined {
    return this.lastCounters;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      await this.request({ type: 'stop' });
      this.child.disconnect();
    } catch {
      // It exited or stopped answering: nothing left to ask it, so end it.
      this.child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
  }

  private request(body: RequestBody): Promise<Reply> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...body, id });
    }).then((reply) => {
      if (reply.type === 'error') throw new Error(`simulator: ${reply.message}`);
      return reply;
    });
  }

  private onMessage(message: FromSimulator): void {
    if (message.type === 'progress') {
      this.lastCounters = { ...(this.lastCounters ?? ({} as SimCounters)), connected: message.connected };
      return;
    }
    if (message.type === 'reached') {
      this.lastCounters = message.counters;
      this.reachedWaiter?.resolve(message.at);
      this.reachedWaiter = undefined;
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    pending.resolve(message);
  }
}
