/**
 * Scenario 6 — agent footprint: the compiled Linux agent (`make agent`) registered with a
 * controller and idle (heartbeats only). RSS and its private part (RssAnon), sampled every
 * 500 ms once it has settled; the figure is the median sample, the peak is reported beside it.
 *
 * Measured twice, because most of the RSS is the binary's own pages, shared and file-backed, and
 * how many of them a process maps depends on how the page cache holds the file: a file just
 * written (built, copied, downloaded) sits in the cache in large folios, and a page fault maps
 * the whole folio. So: once with the binary evicted from the page cache first (`dd
 * iflag=nocache`; it is then read back from disk as on any later start: the figure held against
 * the target), once from a fresh copy of it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startController, waitForReadyNodes } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { AGENT_BINARY } from '../paths.js';
import { memoryBytes, MIB } from '../proc-stats.js';
import type { RunContext, Scenario } from '../scenario.js';
import { median } from '../stats.js';
import type { BatchClient } from '../../sdk/client.js';

const SETTLE_MS = 5000;
const SAMPLE_MS = 10_000;

export const agentFootprint: Scenario = {
  id: 'agent-footprint',
  title: 'Compiled agent, idle',
  stores: [],
  byDefault: true,
  timeoutS: () => 90,
  unavailable: () =>
    existsSync(AGENT_BINARY) ? undefined : `${path.relative(process.cwd(), AGENT_BINARY)} is not built (make agent)`,
  async run(ctx: RunContext): Promise<Figure[]> {
    const controller = await startController(ctx.cleanup, ctx.deadline, { store: 'pglite', keep: ctx.options.keep });
    const cold = await idleAgent(ctx, controller, 'cold');
    const copied = await idleAgent(ctx, controller, 'just-copied');
    const conditions = {
      binary: path.relative(process.cwd(), AGENT_BINARY),
      settleS: SETTLE_MS / 1000,
      samples: cold.rss.length,
    };
    return [
      figure('agent-footprint.idle_rss', median(cold.rss) / MIB, 'MiB (binary not in the page cache)', conditions, {
        target: { op: '<=', value: 64 },
      }),
      figure('agent-footprint.idle_rss_peak', Math.max(...cold.rss) / MIB, 'MiB', conditions),
      figure('agent-footprint.idle_private', median(cold.anon) / MIB, 'MiB (RssAnon)', conditions),
      figure(
        'agent-footprint.idle_rss_just_copied',
        median(copied.rss) / MIB,
        'MiB (from a copy of the binary just written)',
        conditions,
      ),
    ];
  },
};

/** Starts the agent, lets it register and settle, samples its memory, stops it. */
async function idleAgent(
  ctx: RunContext,
  controller: { url: string; client: BatchClient },
  cache: 'cold' | 'just-copied',
): Promise<{ rss: number[]; anon: number[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-agent-'));
  ctx.cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  let binary = AGENT_BINARY;
  if (cache === 'cold') execFileSync('dd', [`if=${AGENT_BINARY}`, 'iflag=nocache', 'count=0', 'status=none']);
  else {
    binary = path.join(dir, 'batch-agent');
    copyFileSync(AGENT_BINARY, binary);
  }
  const { token } = await controller.client.createRegistrationToken('local');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATCH_CONTROLLER_URL: controller.url,
    BATCH_REGISTRATION_TOKEN: token,
    BATCH_AGENT_DIR: path.join(dir, 'data'),
    BATCH_NODE_NAME: `bench-agent-${cache}`,
  };
  delete env.NODE_OPTIONS;
  const log = openSync(path.join(dir, 'agent.log'), 'a');
  const agent = spawn(binary, [], { env, stdio: ['ignore', log, log], detached: true });
  const stop = async () => {
    if (agent.exitCode !== null || agent.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
    process.kill(-agent.pid!, 'SIGKILL');
    await exited;
  };
  ctx.cleanup.add(`stop the ${cache} agent`, stop);
  const before = (await controller.client.listNodes()).items.length;
  await waitForReadyNodes(controller.client, before + 1, ctx.deadline);
  await ctx.deadline.sleep(SETTLE_MS);
  const rss: number[] = [];
  const anon: number[] = [];
  for (let t = 0; t < SAMPLE_MS; t += 500) {
    await ctx.deadline.sleep(500);
    const r = memoryBytes(agent.pid!, 'VmRSS');
    const a = memoryBytes(agent.pid!, 'RssAnon');
    if (r === undefined || a === undefined) throw new Error('the agent exited while idle');
    rss.push(r);
    anon.push(a);
  }
  await stop();
  return { rss, anon };
}
