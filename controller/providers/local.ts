/**
 * The `local` provider: keeps the built-in environment's agents running as processes on this
 * host. Agents run in their own process group and outlive a crashed controller (their running
 * instances continue); a restarted controller adopts them through the pid files in their
 * directories instead of starting duplicates. A graceful controller shutdown stops them.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_V8_FLAGS } from '../../protocol/agent-runtime.js';
import type { Database } from '../db/client.js';
import { registrationTokens } from '../db/schema.js';
import type { Logger } from '../log.js';
import { hashSecret, newId, newSecret } from '../secrets.js';

const AGENT_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../agent/main.js');
const RESTART_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];

interface LocalAgent {
  index: number;
  dir: string;
  pid?: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export interface LocalProviderOptions {
  store: Database;
  environmentId: string;
  controllerUrl: string;
  dataDir: string;
  log: Logger;
  /** The agent command; defaults to this build's agent run by this Node. */
  agentCommand?: string[];
}

export class LocalProvider {
  private readonly agents = new Map<number, LocalAgent>();
  private desired = 0;
  private stopping = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(private readonly options: LocalProviderOptions) {}

  async scale(desired: number): Promise<void> {
    this.desired = desired;
    for (let i = 0; i < desired; i++) if (!this.agents.has(i)) await this.ensure(i);
    for (const [index, agent] of this.agents) {
      if (index >= desired) {
        this.agents.delete(index);
        clearTimeout(agent.timer);
        this.terminate(agent);
      }
    }
    this.watch ??= setInterval(() => this.checkAlive(), 2000);
  }

  /** Stops every local agent (they stop their instances) and waits for them to exit. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.watch);
    const agents = [...this.agents.values()];
    for (const agent of agents) {
      clearTimeout(agent.timer);
      this.terminate(agent);
    }
    const deadline = Date.now() + timeoutMs;
    while (agents.some((a) => a.pid !== undefined && alive(a.pid)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const a of agents) if (a.pid !== undefined && alive(a.pid)) process.kill(a.pid, 'SIGKILL');
  }

  private async ensure(index: number): Promise<void> {
    const dir = path.join(this.options.dataDir, 'local-nodes', String(index));
    mkdirSync(dir, { recursive: true });
    const agent: LocalAgent = { index, dir, restarts: 0 };
    this.agents.set(index, agent);
    const pid = readPid(dir);
    if (pid !== undefined && alive(pid) && isAgentProcess(pid)) {
      agent.pid = pid;
      this.options.log.info(`local node ${index}: adopted running agent (pid ${pid})`);
      return;
    }
    await this.launch(agent);
  }

  private async launch(agent: LocalAgent): Promise<void> {
    // Nothing of the controller's environment (its admin token, database URL, storage keys)
    // reaches an agent, nor so its tasks: only what an agent needs, named here.
    const env: NodeJS.ProcessEnv = {
      ...inherited(process.env),
      BATCH_CONTROLLER_URL: this.options.controllerUrl,
      BATCH_AGENT_DIR: agent.dir,
      BATCH_NODE_NAME: `local-${agent.index}`,
      // Every local agent would detect this host's GPUs and offer the same devices; a GPU is never
      // shared between attempts, so only the first offers them (the others hide them from tasks).
      ...(agent.index > 0 ? { BATCH_NODE_GPU: '0' } : {}),
    };
    // A registration token is only needed until the agent has its own credential. It goes in a
    // 0600 file, never the environment, and the agent removes the file once it is spent.
    if (!existsSync(path.join(agent.dir, 'node.json'))) {
      const tokenFile = path.join(agent.dir, 'registration-token');
      writeFileSync(tokenFile, `${await this.registrationToken()}\n`, { mode: 0o600 });
      env.BATCH_REGISTRATION_TOKEN_FILE = tokenFile;
    }
    const logFd = openSync(path.join(agent.dir, 'agent.log'), 'a');
    const [command, ...args] = this.options.agentCommand ?? [process.execPath, ...AGENT_V8_FLAGS, AGENT_MAIN];
    const child = spawn(command!, args, { env, detached: true, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    child.unref();
    if (child.pid === undefined) {
      this.options.log.error(`local node ${agent.index}: could not start the agent`);
      this.scheduleRestart(agent);
      return;
    }
    agent.pid = child.pid;
    writeFileSync(path.join(agent.dir, 'agent.pid'), `${child.pid}\n`);
    this.options.log.info(
      `local node ${agent.index}: started agent (pid ${child.pid}, log ${path.join(agent.dir, 'agent.log')})`,
    );
    child.on('exit', (code, signal) => {
      if (this.stopping || this.agents.get(agent.index) !== agent) return;
      this.options.log.warn(`local node ${agent.index}: agent exited (${signal ?? `code ${code}`}); restarting`);
      agent.pid = undefined;
      this.scheduleRestart(agent);
    });
  }

  /** Adopted agents are not our children: poll them. */
  private checkAlive(): void {
    for (const agent of this.agents.values()) {
      if (agent.pid !== undefined && !alive(agent.pid) && !agent.timer) {
        agent.pid = undefined;
        this.scheduleRestart(agent);
      }
    }
  }

  private scheduleRestart(agent: LocalAgent): void {
    if (this.stopping || agent.timer) return;
    const delay = RESTART_BACKOFF_MS[Math.min(agent.restarts, RESTART_BACKOFF_MS.length - 1)]!;
    agent.restarts += 1;
    agent.timer = setTimeout(() => {
      agent.timer = undefined;
      if (this.agents.get(agent.index) === agent && agent.index < this.desired) void this.launch(agent);
    }, delay);
  }

  private terminate(agent: LocalAgent): void {
    if (agent.pid !== undefined && alive(agent.pid)) process.kill(agent.pid, 'SIGTERM');
  }

  private async registrationToken(): Promise<string> {
    const token = newSecret('reg');
    await this.options.store.db.insert(registrationTokens).values({
      id: newId('rt'),
      environmentId: this.options.environmentId,
      tokenHash: hashSecret(token),
      createdBy: 'local-provider',
      expiresAt: new Date(Date.now() + 3600_000),
      // One agent registers with it, once.
      maxUses: 1,
    });
    return token;
  }
}

/**
 * The variables of the controller's environment a local agent (and so its tasks) may see;
 * BATCH_LOG_LEVEL so that the local agents log at the controller's level.
 */
const INHERITED = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'BATCH_LOG_LEVEL',
];

function inherited(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(INHERITED.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, 'agent.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against a recycled pid: only adopt a process that is really a batch agent. */
function isAgentProcess(pid: number): boolean {
  try {
    return /batch-agent|agent[\\/]main\.js/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}
