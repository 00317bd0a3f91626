/**
 * A batch-controller process per scenario run, from the compiled build, with its own data dir
 * (and a fresh PostgreSQL database for the `postgres` store). The admin, who is the bench user,
 * gets quotas that let thousands of instances run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BatchClient } from '../sdk/index.js';
import type { Cleanup } from './cleanup.js';
import { freshDatabase } from './database.js';
import type { Deadline } from './deadline.js';
import { CONTROLLER_MAIN } from './paths.js';

export type StoreKind = 'postgres' | 'pglite';

export const ADMIN_TOKEN = 'bat_bench-admin-token-0123456789';

/** Quotas of the bench user: high enough never to be what a scenario measures. */
export const BENCH_QUOTAS = {
  runningInstances: 1_000_000,
  instancesPerTask: 1_000_000,
  tasksPerJob: 1000,
  jobs: 1_000_000,
  /** `provision` grows an environment to 1,000 nodes × --scale, `fleet-size` the local one to 10,000. */
  nodesPerEnvironment: 1_000_000,
};

export interface BenchController {
  url: string;
  /** The controller's PostgreSQL database (postgres store only). */
  databaseUrl: string | undefined;
  pid: number;
  dataDir: string;
  logFile: string;
  client: BatchClient;
  /** Pids of the local agents it started (BATCH_LOCAL_NODES), from their pid files. */
  localAgentPids(): number[];
}

export interface ControllerOptions {
  store: StoreKind;
  localNodes?: number;
  env?: NodeJS.ProcessEnv;
  /** Keep the data dir and log after the run (they are kept anyway when a run fails). */
  keep?: boolean;
  /** Write a V8 CPU profile of the controller into this directory when it exits. */
  cpuProfileDir?: string;
  /** Share this PostgreSQL database (another controller's) instead of a fresh one. */
  databaseUrl?: string;
}

export async function startController(
  cleanup: Cleanup,
  deadline: Deadline,
  options: ControllerOptions,
): Promise<BenchController> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'batch-bench-'));
  cleanup.add(`remove ${dataDir}`, () => {
    if (options.keep || cleanup.failed) process.stderr.write(`  kept the controller's data dir and log: ${dataDir}\n`);
    else rmSync(dataDir, { recursive: true, force: true });
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATCH_DATA_DIR: dataDir,
    BATCH_PORT: '0',
    BATCH_LOCAL_NODES: String(options.localNodes ?? 0),
    BATCH_ADMIN_TOKEN: ADMIN_TOKEN,
    // The simulated fleets join `local` with a token; jobs that name no environment run there,
    // not in an auto environment whose nodes would be real agent processes.
    BATCH_DEFAULT_ENVIRONMENT: 'local',
    ...options.env,
  };
  delete env.NODE_OPTIONS;
  delete env.BATCH_DATABASE_URL;
  if (options.store === 'postgres') env.BATCH_DATABASE_URL = options.databaseUrl ?? (await freshDatabase(cleanup));
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'controller.log');
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...profile, CONTROLLER_MAIN], {
    env,
    stdio: ['ignore', 'pipe', openSync(logFile, 'a')],
  });
  cleanup.add('stop the controller', () => stopController(child, dataDir));
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const url = await deadline.poll(
    () => {
      if (child.exitCode !== null)
        throw new Error(`the controller exited with code ${child.exitCode}: ${tail(logFile)}`);
      return /^BATCH_URL=(\S+)$/m.exec(stdout)?.[1];
    },
    25,
    () => 'waiting for the controller to start',
  );
  const client = new BatchClient({ url, token: ADMIN_TOKEN });
  await client.updateUserQuotas('admin', BENCH_QUOTAS);
  return {
    url,
    databaseUrl: env.BATCH_DATABASE_URL,
    pid: child.pid!,
    dataDir,
    logFile,
    client,
    localAgentPids: () => localAgentPids(dataDir),
  };
}

/** SIGTERM (the controller stops its local agents), SIGKILL after 15 s, then any agent left. */
async function stopController(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  for (const pid of localAgentPids(dataDir)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone: the controller stopped it
    }
  }
}

function localAgentPids(dataDir: string): number[] {
  const root = path.join(dataDir, 'local-nodes');
  if (!existsSync(root)) return [];
  const pids: number[] = [];
  for (const node of readdirSync(root)) {
    const file = path.join(root, node, 'agent.pid');
    if (existsSync(file)) pids.push(Number(readFileSync(file, 'utf8').trim()));
  }
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until `count` nodes are READY (local agents, a compiled agent). Lists every node: keep it to small fleets. */
export async function waitForReadyNodes(client: BatchClient, count: number, deadline: Deadline): Promise<void> {
  let ready = 0;
  await deadline.poll(
    async () => {
      ready = (await client.listNodes()).items.filter((n) => n.state === 'READY').length;
      return ready >= count ? true : undefined;
    },
    200,
    () => `${ready} of ${count} nodes READY`,
  );
}
