/**
 * Scenario 4 — logs. One job, two single-instance tasks on the local agents:
 *   - `bulk` writes 1 GiB of 'a' to stdout; MB/s (10^6 bytes) from the moment it may start until
 *     its SUCCEEDED is seen (chunks are stored before the final status, in the same transaction,
 *     so SUCCEEDED means every byte is persisted). The log is then read back through the API and
 *     checked byte for byte: its length and content must match, or the run fails.
 *   - `ticks` prints `date +%s%N` every 10 ms while `bulk` runs and for a few seconds after; the
 *     bench follows it (`logs -f`, via the SDK) and takes receive time − printed time per line.
 * Both wait for a go file before they start, so the follower is attached first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { wallNow } from '../clock.js';
import { startController, waitForReadyNodes } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { CpuWindow, HostCpuWindow, pidsNamed } from '../proc-stats.js';
import { profiling, scaled, type RunContext, type Scenario } from '../scenario.js';
import { percentile } from '../stats.js';

const IDLE_TAIL_MS = 3000;
const MB = 1e6;

export const logs: Scenario = {
  id: 'logs',
  title: 'Log throughput and follow lag (local agents)',
  // PGlite keeps its database in the controller's memory (WASM): 1 GiB of log rows is PostgreSQL's job.
  stores: ['postgres'],
  byDefault: true,
  timeoutS: (scale) => Math.max(60, Math.round(300 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const bytes = scaled(1024 ** 3, ctx.options.scale, 16 * 1024 ** 2);
    const signals = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-logs-'));
    ctx.cleanup.add(`remove ${signals}`, () => rmSync(signals, { recursive: true, force: true }));
    const go = path.join(signals, 'go');
    const stop = path.join(signals, 'stop');
    const waitGo = `while [ ! -e '${go}' ]; do sleep 0.01; done`;
    // The bound keeps a forgotten ticker from running forever (it stops at the stop file).
    const maxTicks = Math.ceil((ctx.deadline.remainingMs() / 10) * 1.1);

    const controller = await startController(ctx.cleanup, ctx.deadline, {
      store,
      localNodes: 2,
      keep: ctx.options.keep,
      ...profiling(ctx),
    });
    const client = controller.client;
    await waitForReadyNodes(client, 2, ctx.deadline);
    const job = await client.submitJob({
      name: 'logs',
      tasks: [
        { name: 'bulk', command: `${waitGo}; head -c ${bytes} /dev/zero | tr '\\0' 'a'` },
        {
          name: 'ticks',
          command: `${waitGo}; i=0; while [ ! -e '${stop}' ] && [ $i -lt ${maxTicks} ]; do date +%s%N; sleep 0.01; i=$((i+1)); done`,
        },
      ],
    });
    await ctx.deadline.poll(
      async () => ((await client.getJob(job.id)).counts.RUNNING === 2 ? true : undefined),
      50,
      () => 'waiting for both instances to run',
    );

    // Follow `ticks`: one sample per complete line.
    const lags: { printedAt: number; lagMs: number }[] = [];
    // Resolves once the controller answered with the (open) stream: the follower is attached.
    const stream = await client.logs(job.id, 'ticks', 0, { follow: true });
    const follow = (async () => {
      const decoder = new TextDecoder();
      let partial = '';
      for await (const chunk of stream) {
        const receivedAt = wallNow();
        const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (!/^\d+$/.test(line)) throw new Error(`the ticker printed "${line.slice(0, 80)}", not a timestamp`);
          const printedAt = Number(BigInt(line) / 1000n) / 1000;
          lags.push({ printedAt, lagMs: receivedAt - printedAt });
        }
      }
    })();
    // Awaited further down; until then a failure must not count as an unhandled rejection.
    follow.catch(() => {});

    const controllerCpu = new CpuWindow(() => [controller.pid]);
    const postgresCpu = new CpuWindow(() => (store === 'postgres' ? pidsNamed('postgres') : []));
    const hostCpu = new HostCpuWindow();
    const goAt = wallNow();
    writeFileSync(go, '');
    ctx.log(`writing ${(bytes / MB).toFixed(0)} MB to stdout`);
    await ctx.deadline.poll(
      async () => {
        const bulk = (await client.getJob(job.id)).tasks.find((t) => t.name === 'bulk')!;
        if (bulk.state === 'FAILED' || bulk.state === 'STOPPED') throw new Error(`the bulk writer ended ${bulk.state}`);
        return bulk.state === 'SUCCEEDED' ? true : undefined;
      },
      100,
      () => 'the 1 GiB writer has not finished',
    );
    const doneAt = wallNow();
    const seconds = (doneAt - goAt) / 1000;
    const cpu = controllerCpu.read();
    const pgCpu = postgresCpu.read();
    const machineBusy = hostCpu.percentOfMachine();

    await ctx.deadline.sleep(IDLE_TAIL_MS);
    writeFileSync(stop, '');
    await ctx.deadline.race(follow, () => 'the follower of `ticks` did not end after the ticker stopped');

    ctx.log('reading the log back through the API');
    const readStarted = wallNow();
    const readBack = await ctx.deadline.race(
      readAll(await client.logs(job.id, 'bulk', 0)),
      () => 'reading the 1 GiB log back',
    );
    const readSeconds = (wallNow() - readStarted) / 1000;
    if (readBack.bytes !== bytes || !readBack.allA) {
      throw new Error(
        `the persisted log is wrong: ${readBack.bytes} of ${bytes} bytes${readBack.allA ? '' : ', not all of them "a"'}`,
      );
    }

    const underLoad = lags.filter((l) => l.printedAt >= goAt && l.printedAt <= doneAt).map((l) => l.lagMs);
    const idle = lags.filter((l) => l.printedAt >= doneAt + 500).map((l) => l.lagMs);
    if (underLoad.length < 10)
      throw new Error(`only ${underLoad.length} tick lines were followed while the writer ran`);
    const conditions = {
      store,
      bytes,
      localNodes: 2,
      tickIntervalMs: 10,
      linesUnderLoad: underLoad.length,
      linesIdle: idle.length,
    };
    const name = (what: string) => `logs.${store}.${what}`;
    return [
      figure(name('persist_mb_per_s'), bytes / MB / seconds, 'MB/s', conditions, { target: { op: '>=', value: 100 } }),
      figure(name('follow_lag_p99'), percentile(underLoad, 99), 'ms (while writing)', conditions, {
        target: { op: '<=', value: 200 },
      }),
      figure(name('follow_lag_p50'), percentile(underLoad, 50), 'ms (while writing)', conditions),
      ...(idle.length > 0
        ? [figure(name('follow_lag_idle_p99'), percentile(idle, 99), 'ms (nothing else writing)', conditions)]
        : []),
      figure(name('read_back_mb_per_s'), bytes / MB / readSeconds, 'MB/s', conditions),
      figure(name('controller_cpu'), (cpu.seconds / seconds) * 100, '% of a core (while writing)', conditions),
      ...(store === 'postgres'
        ? [figure(name('postgres_cpu'), (pgCpu.seconds / seconds) * 100, '% of a core (while writing)', conditions)]
        : []),
      figure(name('machine_busy'), machineBusy, '% of all cores (while writing)', conditions),
    ];
  },
};

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: number; allA: boolean }> {
  let bytes = 0;
  let allA = true;
  let expected = Buffer.alloc(0);
  for await (const chunk of stream) {
    bytes += chunk.byteLength;
    if (!allA) continue;
    if (expected.byteLength < chunk.byteLength) expected = Buffer.alloc(chunk.byteLength, 'a');
    allA = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).equals(expected.subarray(0, chunk.byteLength));
  }
  return { bytes, allA };
}
