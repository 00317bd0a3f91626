/**
 * Real processes for end-to-end tests: a batch-controller and batch-agents started from the
 * compiled build, each with its own data dir, killed at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_V8_FLAGS } from '../../protocol/agent-runtime.js';
import { freshDatabase } from './postgres.js';
import { tmpDir, type Teardown } from './tmp.js';
import { waitFor } from './wait.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONTROLLER_MAIN = path.join(ROOT, 'dist/controller/main.js');
export const AGENT_MAIN = path.join(ROOT, 'dist/agent/main.js');
export const CLI_MAIN = path.join(ROOT, 'dist/cli/main.js');

export type StoreKind = 'pglite' | 'postgres';
export const STORES: StoreKind[] = ['pglite', 'postgres'];

export interface Controller {
  url: string;
  token: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the controller wrote to stderr so far (its log). */
  log(): string;
  /** SIGKILL, no cleanup: what a crash looks like. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

export interface ControllerOptions {
  store: StoreKind;
  /** Reuse a data dir / database (restart tests). */
  dataDir?: string;
  databaseUrl?: string;
  port?: number;
  localNodes?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * A port for a controller that must come back on the same address after a restart. Chosen below
 * Linux's ephemeral range (32768+), so no process started meanwhile with port 0 can take it.
 */
export function fixedPort(): number {
  return 10_000 + Math.floor(Math.random() * 20_000);
}

export const ADMIN_TOKEN = 'bat_test-admin-token-0123456789';

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startController(
  t: Teardown,
  options: ControllerOptions,
): Promise<Controller & { databaseUrl?: string }> {
  const dataDir = options.dataDir ?? tmpDir(t, 'batch-controller-');
  const databaseUrl = options.store === 'postgres' ? (options.databaseUrl ?? (await freshDatabase(t))) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATCH_DATA_DIR: dataDir,
    BATCH_PORT: String(options.port ?? 0),
    BATCH_LOCAL_NODES: String(options.localNodes ?? 0),
    BATCH_ADMIN_TOKEN: ADMIN_TOKEN,
    BATCH_HEARTBEAT_INTERVAL_MS: '1000',
    // Most tests run on the built-in environment's nodes; those of auto environments unset it ('').
    BATCH_DEFAULT_ENVIRONMENT: 'local',
    ...options.env,
  };
  if (databaseUrl) env.BATCH_DATABASE_URL = databaseUrl;
  else delete env.BATCH_DATABASE_URL;
  // tap's process-tracking loader is of no use in these processes and slows every start.
  delete env.NODE_OPTIONS;
  const logFile = path.join(dataDir, `controller-${Date.now()}.log`);
  mkdirSync(dataDir, { recursive: true });
  // Owner-only: tasks run as other users on this host and must not read it.
  const logFd = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [CONTROLLER_MAIN], { env, stdio: ['ignore', 'pipe', logFd] });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const log = () => readFileSync(logFile, 'utf8');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    killLocalAgents(dataDir);
  });
  // A bound, not a wait: the embedded PGlite compiles its WebAssembly at start, which takes many
  // seconds on a loaded 2-core machine.
  const url = await waitFor('the controller to print BATCH_URL', () => /^BATCH_URL=(\S+)$/m.exec(stdout)?.[1], {
    timeoutMs: 90_000,
    intervalMs: 25,
    describe: () => `stdout: ${stdout}\nlog: ${log()}`,
  });
  const controller: Controller & { databaseUrl?: string } = {
    url,
    token: ADMIN_TOKEN,
    dataDir,
    process: child,
    log,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
  if (databaseUrl) controller.databaseUrl = databaseUrl;
  return controller;
}

/** Another controller on the same port, data dir and database: the one a crash test restarts. */
export function restartController(
  t: Teardown,
  previous: Controller & { databaseUrl?: string },
  options: Omit<ControllerOptions, 'dataDir' | 'databaseUrl'>,
): Promise<Controller & { databaseUrl?: string }> {
  return startController(t, {
    ...options,
    dataDir: previous.dataDir,
    ...(previous.databaseUrl ? { databaseUrl: previous.databaseUrl } : {}),
  });
}

/** Local agents outlive a killed controller by design; a test must not leave them behind. */
function killLocalAgents(dataDir: string): void {
  const root = path.join(dataDir, 'local-nodes');
  if (!existsSync(root)) return;
  for (const node of readdirSync(root)) {
    try {
      const pid = Number(readFileSync(path.join(root, node, 'agent.pid'), 'utf8'));
      process.kill(-pid, 'SIGKILL');
    } catch {
      // no pid file, or the agent is already gone
    }
  }
}

export interface Agent {
  dir: string;
  process: ChildProcess;
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startAgent(
  t: Teardown,
  options: {
    controllerUrl: string;
    registrationToken?: string;
    dir?: string;
    name?: string;
    cpu?: number;
    labels?: string;
    env?: NodeJS.ProcessEnv;
  },
): Promise<Agent> {
  const dir = options.dir ?? tmpDir(t, 'batch-agent-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATCH_CONTROLLER_URL: options.controllerUrl,
    BATCH_AGENT_DIR: dir,
    BATCH_NODE_NAME: options.name ?? path.basename(dir),
    ...options.env,
  };
  delete env.NODE_OPTIONS;
  if (options.registrationToken) env.BATCH_REGISTRATION_TOKEN = options.registrationToken;
  if (options.cpu !== undefined) env.BATCH_NODE_CPU = String(options.cpu);
  if (options.labels) env.BATCH_NODE_LABELS = options.labels;
  const logFile = path.join(dir, `agent-${Date.now()}.log`);
  // Owner-only: tasks run as other users on this host and must not read it.
  const logFd = openSync(logFile, 'a', 0o600);
  // detached: its own process group, like a real node; teardown kills the group (its instances too).
  // With the V8 flags every agent runs with, so the tests see what nodes run.
  const child = spawn(process.execPath, [...AGENT_V8_FLAGS, AGENT_MAIN], {
    env,
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited(child);
    }
  });
  return {
    dir,
    process: child,
    log: () => readFileSync(logFile, 'utf8'),
    kill: async (signal = 'SIGKILL') => {
      child.kill(signal);
      await exited(child);
    },
  };
}
