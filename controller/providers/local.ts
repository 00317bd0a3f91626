/**
 * The `local` provider: each host is a directory under `<data dir>/local-nodes/<node id>` and an
 * agent process working in it, on this machine. The provider plays the host's service manager
 * too: an agent that exits is started again with backoff, as systemd would, so a crashed agent
 * comes back as the same node. Agents run in their own process group and outlive a crashed
 * controller (their instances continue); a restarted controller adopts them through `list`,
 * which also starts the agent of a host whose process is gone, as a rebooted machine would.
 * A graceful controller shutdown stops them (`stopAll`).
 */
import { availableParallelism, totalmem } from 'node:os';
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_V8_FLAGS } from '../../protocol/agent-runtime.js';
import type { NodeTemplate } from '../../protocol/api.js';
import type { Logger } from '../log.js';
import type { CreateRequest, NodeProvider, ProvidedHost } from './provider.js';
import { ProviderError } from './provider.js';
import { alive, isProcessOf } from '../process-check.js';

const AGENT_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../agent/main.js');
/** What an adopted pid must be running: a batch agent (guards against a recycled pid). */
const AGENT_PROGRAM = /batch-agent|agent[\\/]main\.js/;
const RESTART_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];
/** How long a deleted host's agent has to stop its instances before it is killed. */
const STOP_GRACE_MS = 10_000;

interface LocalHost {
  nodeId: string;
  dir: string;
  name: string;
  template: NodeTemplate;
  pid?: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export interface LocalProviderOptions {
  dataDir: string;
  controllerUrl: () => string;
  log: Logger;
  /** The agent command; defaults to this build's agent run by this Node. */
  agentCommand?: string[];
}

export class LocalProvider implements NodeProvider {
  private readonly hosts = new Map<string, LocalHost>();
  private stopping = false;
  private readonly watch: NodeJS.Timeout;
  private readonly root: string;

  constructor(private readonly options: LocalProviderOptions) {
    this.root = path.join(options.dataDir, 'local-nodes');
    this.watch = setInterval(() => this.checkAlive(), 2000);
    this.watch.unref();
  }

  create(request: CreateRequest): Promise<ProvidedHost> {
    const dir = path.join(this.root, request.nodeId);
    if (existsSync(dir)) throw new ProviderError(`${dir} already exists`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'host.json'),
      `${JSON.stringify({ nodeId: request.nodeId, name: request.name, template: request.template })}\n`,
    );
    // The token goes in a 0600 file, never the environment; the agent removes it once spent.
    writeFileSync(path.join(dir, 'registration-token'), `${request.registrationToken}\n`, { mode: 0o600 });
    const host: LocalHost = {
      nodeId: request.nodeId,
      dir,
      name: request.name,
      template: request.template,
      restarts: 0,
    };
    this.hosts.set(request.nodeId, host);
    this.launch(host);
    if (host.pid === undefined) throw new ProviderError('could not start the agent process');
    return Promise.resolve({ providerId: request.nodeId, nodeId: request.nodeId });
  }

  async delete(providerId: string, signal: AbortSignal): Promise<void> {
    const dir = path.join(this.root, providerId);
    const host = this.hosts.get(providerId) ?? this.readHost(providerId);
    this.hosts.delete(providerId);
    if (host) {
      clearTimeout(host.timer);
      const pid = host.pid ?? runningAgent(dir);
      if (pid !== undefined) await stopProcess(pid, STOP_GRACE_MS, signal);
    }
    if (!existsSync(dir)) return;
    // Renamed at once so that the host is gone for `list`; its files (tasks' work dirs among
    // them) are removed after.
    const trash = path.join(this.root, `.deleted-${providerId}-${Date.now()}`);
    renameSync(dir, trash);
    rmSync(trash, { recursive: true, force: true, maxRetries: 2 });
  }

  list(): Promise<ProvidedHost[]> {
    if (!existsSync(this.root)) return Promise.resolve([]);
    const out: ProvidedHost[] = [];
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const host = this.hosts.get(entry.name) ?? this.readHost(entry.name);
      if (!host) continue;
      if (!this.hosts.has(host.nodeId)) this.adopt(host);
      out.push({ providerId: host.nodeId, nodeId: host.nodeId });
    }
    return Promise.resolve(out);
  }

  /** Stops every local agent (they stop their instances) and waits for them to exit. */
  async stopAll(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.watch);
    const signal = AbortSignal.timeout(timeoutMs + 1000);
    await Promise.all(
      [...this.hosts.values()].map(async (host) => {
        clearTimeout(host.timer);
        if (host.pid !== undefined) await stopProcess(host.pid, timeoutMs, signal);
      }),
    );
  }

  private readHost(nodeId: string): LocalHost | undefined {
    const dir = path.join(this.root, nodeId);
    try {
      const saved = JSON.parse(readFileSync(path.join(dir, 'host.json'), 'utf8')) as {
        nodeId: string;
        name: string;
        template: NodeTemplate;
      };
      return { nodeId: saved.nodeId, name: saved.name, template: saved.template, dir, restarts: 0 };
    } catch {
      return undefined;
    }
  }

  /** A host from before this controller started: its agent if it still runs, else a new one. */
  private adopt(host: LocalHost): void {
    this.hosts.set(host.nodeId, host);
    const pid = runningAgent(host.dir);
    if (pid !== undefined) {
      host.pid = pid;
      this.options.log.info(`local node ${host.name}: adopted running agent (pid ${pid})`);
      return;
    }
    this.launch(host);
  }

  private launch(host: LocalHost): void {
    // Nothing of the controller's environment (its admin token, database URL, storage keys)
    // reaches an agent, nor so its tasks: only what an agent needs, named here.
    const env: NodeJS.ProcessEnv = {
      ...inherited(process.env),
      BATCH_CONTROLLER_URL: this.options.controllerUrl(),
      BATCH_AGENT_DIR: host.dir,
      BATCH_NODE_NAME: host.name,
      ...templateEnv(host.template),
    };
    const tokenFile = path.join(host.dir, 'registration-token');
    if (!existsSync(path.join(host.dir, 'node.json')) && existsSync(tokenFile))
      env.BATCH_REGISTRATION_TOKEN_FILE = tokenFile;
    const logFd = openSync(path.join(host.dir, 'agent.log'), 'a');
    const [command, ...args] = this.options.agentCommand ?? [process.execPath, ...AGENT_V8_FLAGS, AGENT_MAIN];
    const child = spawn(command!, args, { env, detached: true, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    child.unref();
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      this.options.log.error(`local node ${host.name}: could not start the agent`);
      this.scheduleRestart(host);
      return;
    }
    host.pid = child.pid;
    writeFileSync(path.join(host.dir, 'agent.pid'), `${child.pid}\n`);
    this.options.log.info(
      `local node ${host.name}: started agent (pid ${child.pid}, log ${path.join(host.dir, 'agent.log')})`,
    );
    child.on('exit', (code, signal) => {
      if (this.stopping || this.hosts.get(host.nodeId) !== host || host.pid !== child.pid) return;
      this.options.log.warn(`local node ${host.name}: agent exited (${signal ?? `code ${code}`}); restarting`);
      host.pid = undefined;
      this.scheduleRestart(host);
    });
  }

  /** Adopted agents are not our children: poll them. */
  private checkAlive(): void {
    for (const host of this.hosts.values()) {
      if (host.pid !== undefined && !alive(host.pid) && !host.timer) {
        host.pid = undefined;
        this.scheduleRestart(host);
      }
    }
  }

  private scheduleRestart(host: LocalHost): void {
    if (this.stopping || host.timer) return;
    const delay = RESTART_BACKOFF_MS[Math.min(host.restarts, RESTART_BACKOFF_MS.length - 1)]!;
    host.restarts += 1;
    host.timer = setTimeout(() => {
      host.timer = undefined;
      if (this.hosts.get(host.nodeId) === host && !this.stopping) this.launch(host);
    }, delay);
  }
}

/**
 * The size of a node the local provider makes from `template`: what the template says, else what
 * its agent will detect on this very host (the agent's own defaults: every CPU, all memory), and
 * GPUs only when the template asks for them. Submit uses it to refuse a task no node can hold.
 */
export function localNodeSize(template: NodeTemplate): { cpu: number; memoryMiB: number; gpu: number } {
  return {
    cpu: template.cpu ?? availableParallelism(),
    memoryMiB: template.memoryMiB ?? Math.floor(totalmem() / (1024 * 1024)),
    gpu: template.gpu ?? 0,
  };
}

/** What the node template says about the host, as the agent's own settings. */
function templateEnv(template: NodeTemplate): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (template.cpu !== undefined) env.BATCH_NODE_CPU = String(template.cpu);
  if (template.memoryMiB !== undefined) env.BATCH_NODE_MEMORY_MIB = String(template.memoryMiB);
  // Every local node would detect this host's GPUs and offer the same devices, which must never
  // be shared between attempts: a local node offers GPUs only when its template asks for them.
  env.BATCH_NODE_GPU = String(template.gpu ?? 0);
  if (template.labels && Object.keys(template.labels).length > 0)
    env.BATCH_NODE_LABELS = Object.entries(template.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  return env;
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

/** The pid of the agent working in `dir`, if it is still running. */
function runningAgent(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, 'agent.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isProcessOf(pid, AGENT_PROGRAM) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopProcess(pid: number, graceMs: number, signal: AbortSignal): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline && !signal.aborted) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}
