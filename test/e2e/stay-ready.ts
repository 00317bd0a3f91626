/**
 * Watching a connected node for minutes, for crashes that only come after a while (issue #18:
 * an agent stopped by a metrics helper's EPIPE some seconds or minutes after it was READY).
 * Every second the node must be READY with a recent heartbeat, and its agent process alive. The
 * test goes on with other work while the watch runs; `until` waits out the rest of the period,
 * or returns at the first problem, so a crash fails the test in seconds, not minutes.
 */
import type { Test } from 'tap';
import type { BatchClient } from '../../sdk/client.js';
import type { Teardown } from '../support/tmp.js';
import { readLog, waitJobFinished } from './fixture.js';

/** Heartbeats come every 500 ms in these tests and are stored once a second: 10 s is a stall. */
const STALE_AFTER_MS = 10_000;
const SAMPLE_EVERY_MS = 1_000;

export interface ReadyWatchOptions {
  nodeId: string;
  /** Why the agent is not running (exited, stopped itself), or undefined while it runs. */
  agentGone: () => string | undefined;
  /** The agent's log, to explain a problem. */
  log: () => string;
}

export interface ReadyReport {
  watchedMs: number;
  samples: number;
  /** The first problem seen, with the agent's log; undefined when there was none. */
  problem: string | undefined;
}

/** Starts sampling now; teardown stops it if the test ends before `until`. */
export function watchReady(t: Teardown, client: BatchClient, opts: ReadyWatchOptions): ReadyWatch {
  const watch = new ReadyWatch(client, opts);
  t.teardown(() => watch.stop());
  return watch;
}

export class ReadyWatch {
  readonly #client: BatchClient;
  readonly #opts: ReadyWatchOptions;
  readonly #started = Date.now();
  #samples = 0;
  #problem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> = Promise.resolve();
  #onProblem: () => void = () => {};

  constructor(client: BatchClient, opts: ReadyWatchOptions) {
    this.#client = client;
    this.#opts = opts;
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(() => this.#sample());
    }, SAMPLE_EVERY_MS);
  }

  /** Resolves once `periodMs` have passed since the watch started, or at the first problem. */
  async until(periodMs: number): Promise<ReadyReport> {
    if (this.#problem === undefined) {
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, Math.max(0, this.#started + periodMs - Date.now()));
        this.#onProblem = () => {
          clearTimeout(deadline);
          resolve();
        };
      });
    }
    this.stop();
    await this.#sampling;
    return { watchedMs: Date.now() - this.#started, samples: this.#samples, problem: this.#problem };
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#problem !== undefined) return;
    const at = Date.now();
    const problem = await this.#check(at).catch((err: unknown) => `the node list failed: ${String(err)}`);
    this.#samples += 1;
    if (problem !== undefined) {
      this.#problem = `${Math.round((at - this.#started) / 1000)} s into the watch: ${problem}\nagent log:\n${this.#opts.log()}`;
      this.#onProblem();
    }
  }

  async #check(at: number): Promise<string | undefined> {
    const gone = this.#opts.agentGone();
    if (gone !== undefined) return gone;
    const node = (await this.#client.listNodes()).items.find((n) => n.id === this.#opts.nodeId);
    if (node === undefined) return `node ${this.#opts.nodeId} is not listed`;
    if (node.state !== 'READY') return `node ${node.id} is ${node.state}`;
    const age = node.lastHeartbeatAt === null ? Infinity : at - Date.parse(node.lastHeartbeatAt);
    if (age > STALE_AFTER_MS) return `node ${node.id} is READY but its last heartbeat is ${age} ms old`;
    return undefined;
  }
}

/**
 * The end of a watch, the same on every platform: the node stayed READY with fresh heartbeats for
 * `periodMs`, then still runs a job (its output ends lines with `newline`) and reports memory and
 * disk. False after a problem: the rest of the test would only time out.
 */
export async function stillWorksAfter(
  t: Test,
  client: BatchClient,
  watch: ReadyWatch,
  opts: { periodMs: number; nodeId: string; newline: string },
): Promise<boolean> {
  const connected = await watch.until(opts.periodMs);
  if (!t.equal(connected.problem, undefined, `READY with fresh heartbeats in each of ${connected.samples} samples`))
    return false;
  t.ok(connected.watchedMs >= opts.periodMs, `watched for ${Math.round(connected.watchedMs / 1000)} s`);
  const later = await client.submitJob({ name: 'later', tasks: [{ name: 'echo', command: 'echo still here' }] });
  t.equal((await waitJobFinished(client, later.id, 30_000)).state, 'SUCCEEDED', 'a job after three minutes');
  t.equal(await readLog(client, later.id, 'echo', 0), `still here${opts.newline}`);
  const metrics = (await client.listNodes()).items.find((n) => n.id === opts.nodeId)?.metrics;
  t.comment(`metrics of the node: ${JSON.stringify(metrics)}`);
  t.ok((metrics?.memoryTotalMiB ?? 0) > 0 && (metrics?.diskTotalMiB ?? 0) > 0, 'memory and disk are measured');
  return true;
}
