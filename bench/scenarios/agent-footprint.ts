/**
 * Scenario 6 — agent footprint: the compiled Linux agent (`make agent`) registered with a
 * controller and idle (heartbeats only). RSS and its private part (RssAnon), sampled every
 * 500 ms once it has settled; the figure is the median sample, the peak is reported beside it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startController, waitForReadyNodes } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import { AGENT_BINARY } from '../paths.js';
import { memoryBytes, MIB } from '../proc-stats.js';
import type { RunContext, Scenario } from '../scenario.js';
import { median } from '../stats.js';

const SETTLE_MS = 5000;
const SAMPLE_MS = 10_000;

export const agentFootprint: Scenario = {
  id: 'agent-footprint',
  title: 'Compiled agent, idle',
  stores: [],
  byDefault: true,
  timeoutS: () => 90,
  unavailable: () => (existsSync(AGENT_BINARY) ? undefined : `${path.relative(process.cwd(), AGENT_BINARY)} is not built (make agent)`),
  async run(ctx: RunContext): Promise<Figure[]> {
    const controller = await startController(ctx.cleanup, ctx.deadline, { store: 'pglite', keep: ctx.options.keep });
    const { token } = await controller.client.createRegistrationToken('local');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-agent-'));
    ctx.cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATCH_CONTROLLER_URL: controller.url,
      BATCH_REGISTRATION_TOKEN: token,
      BATCH_AGENT_DIR: path.join(dir, 'data'),
      BATCH_NODE_NAME: 'bench-agent',
    };
    delete env.NODE_OPTIONS;
    const log = openSync(path.join(dir, 'agent.log'), 'a');
    const agent = spawn(AGENT_BINARY, [], { env, stdio: ['ignore', log, log], detached: true });
    ctx.cleanup.add('stop the agent', async () => {
      if (agent.exitCode !== null || agent.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
      process.kill(-agent.pid!, 'SIGKILL');
      await exited;
    });
    await waitForReadyNodes(controller.client, 1, ctx.deadline);
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
    const conditions = { binary: path.relative(process.cwd(), AGENT_BINARY), settleS: SETTLE_MS / 1000, samples: rss.length };
    return [
      figure('agent-footprint.idle_rss', median(rss) / MIB, 'MiB', conditions, { target: { op: '<=', value: 64 } }),
      figure('agent-footprint.idle_rss_peak', Math.max(...rss) / MIB, 'MiB', conditions),
      figure('agent-footprint.idle_private', median(anon) / MIB, 'MiB (RssAnon)', conditions),
    ];
  },
};
