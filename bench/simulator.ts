/**
 * The fleet simulator: a separate Node process, forked by the bench harness, holding N simulated
 * agent connections (simulator/simulated-node.ts). It takes requests and reports its counters over
 * the IPC channel (simulator/ipc.ts) and prints a summary on stdout when it stops.
 *
 * Replies produced in one tick leave together: every node with something queued is flushed once,
 * at the end of the tick, one frame per node (more only past the protocol's per-frame limit).
 */
import { wallNow } from './clock.js';
import type { FleetOptions, JobTiming, Push, Reply, Request, SimCounters } from './simulator/ipc.js';
import { SimulatedNode } from './simulator/simulated-node.js';
import { Spool, type SpoolFleet } from './simulator/spool.js';

class Simulator implements SpoolFleet {
  readonly counters: SpoolFleet['counters'] = {
    connected: 0,
    rejects: 0,
    disconnects: 0,
    reconnects: 0,
    framesIn: 0,
    framesOut: 0,
    starts: 0,
    duplicateStarts: 0,
    kills: 0,
    runningAcked: 0,
    finalsAcked: 0,
    logAcks: 0,
    heartbeats: 0,
    unknownKinds: 0,
    protocolErrors: 0,
    created: 0,
    deleted: 0,
    spoolErrors: 0,
  };
  readonly seenAttempts = new Set<number>();
  readonly timings = new Map<string, JobTiming>();
  private readonly nodes: SimulatedNode[] = [];
  private readonly dirty = new Set<SimulatedNode>();
  private flushScheduled = false;
  private target: number | undefined;
  private spool: Spool | undefined;

  constructor(readonly options: FleetOptions) {}

  /** Spool mode: nodes come and go as the provider's program asks (simulator/spool.ts). */
  startSpool(spool: Spool): void {
    this.spool = spool;
    spool.start();
  }

  addNode(node: SimulatedNode): void {
    this.nodes.push(node);
  }

  /** Opens the connections `connectBatch` at a time; a batch waits for all its welcomes. */
  async connect(): Promise<void> {
    for (let first = 0; first < this.options.nodes; first += this.options.connectBatch) {
      const batch: SimulatedNode[] = [];
      for (let i = first; i < Math.min(this.options.nodes, first + this.options.connectBatch); i++)
        batch.push(new SimulatedNode(i, this));
      this.nodes.push(...batch);
      await Promise.all(batch.map((n) => n.connect()));
      push({ type: 'progress', connected: this.counters.connected });
    }
  }

  markDirty(node: SimulatedNode): void {
    this.dirty.add(node);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const n of this.dirty) n.flush();
      this.dirty.clear();
    });
  }

  expectFinals(count: number): void {
    this.target = count;
    this.finalAcked();
  }

  finalAcked(): void {
    if (this.target !== undefined && this.counters.finalsAcked >= this.target) {
      this.target = undefined;
      push({ type: 'reached', at: wallNow(), counters: this.snapshot() });
    }
  }

  snapshot(): SimCounters {
    const cpu = process.cpuUsage();
    return { ...this.counters, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBytes: process.memoryUsage.rss() };
  }

  stop(): void {
    this.spool?.stop();
    for (const n of this.nodes) n.stop();
  }
}

function push(message: Push): void {
  process.send?.(message);
}

function reply(message: Reply): void {
  process.send?.(message);
}

let simulator: Simulator | undefined;

async function onRequest(request: Request): Promise<void> {
  try {
    switch (request.type) {
      case 'connect': {
        if (simulator) throw new Error('already connected');
        simulator = new Simulator(request.options);
        const started = wallNow();
        await simulator.connect();
        reply({ id: request.id, type: 'connected', counters: simulator.snapshot(), ms: wallNow() - started });
        return;
      }
      case 'spool': {
        if (simulator) throw new Error('already connected');
        const { cpu, validate } = request.options;
        simulator = new Simulator({
          url: '',
          registrationToken: '',
          nodes: 0,
          cpu,
          connectBatch: 1,
          logChunk: false,
          recordTimings: false,
          validate,
        });
        simulator.startSpool(new Spool(request.options, simulator));
        reply({ id: request.id, type: 'ok' });
        return;
      }
      case 'expectFinals':
        reply({ id: request.id, type: 'ok' });
        running().expectFinals(request.count);
        return;
      case 'counters':
        reply({ id: request.id, type: 'counters', counters: running().snapshot() });
        return;
      case 'timings':
        reply({ id: request.id, type: 'timings', byJob: Object.fromEntries(running().timings) });
        return;
      case 'stop': {
        const counters = simulator?.snapshot();
        simulator?.stop();
        process.stdout.write(`simulator stopped: ${JSON.stringify(counters ?? {})}\n`);
        // The harness disconnects once it has this reply, which ends the process.
        reply({ id: request.id, type: 'ok' });
        return;
      }
    }
  } catch (err) {
    reply({ id: request.id, type: 'error', message: (err as Error).message });
  }
}

function running(): Simulator {
  if (!simulator) throw new Error('not connected yet');
  return simulator;
}

if (!process.send) {
  process.stderr.write('bench/simulator: run me through the bench harness (it talks to me over IPC)\n');
  process.exit(2);
}
process.on('message', (request: Request) => void onRequest(request));
// The harness going away ends the fleet.
process.on('disconnect', () => {
  simulator?.stop();
  process.exit(0);
});
