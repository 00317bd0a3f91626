/**
 * The agent assembled: the connection feeds controller messages to the supervisor, and the
 * supervisor's attempts report through the log shipper and the status reporter, which keep what
 * is unacknowledged and send it again whenever a new session opens.
 */
import type { Welcome } from '../protocol/messages.js';
import type { AgentConfig } from './config.js';
import { Connection, type NodeDescription } from './connection.js';
import type { CredentialStore, NodeCredential } from './credentials.js';
import { GpuAllocator } from './gpus/gpu-allocator.js';
import type { NodeGpus } from './gpus/offered-gpus.js';
import { Heartbeats } from './heartbeat.js';
import { log } from './log.js';
import { LogShipper } from './log-shipper.js';
import { Outbox } from './outbox.js';
import { PackageCache } from './staging/package-cache.js';
import { StatusReporter } from './status-reporter.js';
import { Supervisor } from './supervisor.js';
import { UploadGrants } from './upload-grants.js';
import type { TaskUsers } from './isolation/task-users.js';

/** How long a stopping agent tries to get its attempts' final statuses acknowledged. */
const FINAL_STATUS_DEADLINE_MS = 2_000;
const CLOSE_DEADLINE_MS = 1_000;
/** Beyond the kill grace: time for pipes to drain and statuses to be reported. */
const ATTEMPT_STOP_EXTRA_MS = 3_000;

export class Agent {
  readonly #config: AgentConfig;
  readonly #outbox = new Outbox();
  readonly #logs: LogShipper;
  readonly #statuses: StatusReporter;
  readonly #uploads: UploadGrants;
  readonly #supervisor: Supervisor;
  readonly #heartbeats: Heartbeats;
  readonly #connection: Connection;
  readonly #gpus: NodeGpus;
  #stopping = false;

  constructor(
    config: AgentConfig,
    credentials: CredentialStore,
    credential: NodeCredential | undefined,
    taskUsers: TaskUsers,
    gpus: NodeGpus,
  ) {
    this.#config = config;
    this.#gpus = gpus;
    this.#logs = new LogShipper(this.#outbox);
    this.#statuses = new StatusReporter(this.#outbox);
    this.#uploads = new UploadGrants(this.#outbox);
    this.#supervisor = new Supervisor({
      agentDir: config.dir,
      killGraceMs: config.killGraceMs,
      agentEnv: process.env,
      logs: this.#logs,
      statuses: this.#statuses,
      packages: new PackageCache(config.dir),
      unzipLimits: config.packageLimits,
      uploads: this.#uploads,
      taskUsers,
      diskDevices: config.diskDevices,
      gpus: new GpuAllocator(gpus),
    });
    this.#heartbeats = new Heartbeats({ agentDir: config.dir, outbox: this.#outbox, running: () => this.#running() });
    this.#connection = new Connection({
      endpoints: config.endpoints,
      registrationToken: config.registrationToken,
      registrationTokenFile: config.registrationTokenFile,
      credentials,
      credential,
      outbox: this.#outbox,
      events: {
        describe: () => this.#describe(),
        opened: (welcome) => this.#opened(welcome),
        closed: () => this.#heartbeats.stop(),
        startAttempt: (msg, nodeId) => this.#supervisor.start(msg, nodeId),
        killAttempt: (msg) => this.#supervisor.kill(msg),
        ack: (msg) => {
          this.#statuses.ack(msg.statuses);
          this.#logs.ack(msg.logs);
        },
        uploadGrant: (msg) => this.#uploads.receive(msg),
        fatal: (exitCode, why) => void this.stop(exitCode, why),
      },
    });
  }

  start(): void {
    log(
      `batch-agent starting: node "${this.#config.name}", controller ${this.#config.endpoints.join(', ')}, dir ${this.#config.dir}`,
    );
    this.#connection.start();
  }

  /**
   * Kills every running attempt with its process tree, gives their final statuses a short
   * chance to reach the controller, closes the connection and exits.
   */
  async stop(exitCode: number, why: string): Promise<never> {
    if (!this.#stopping) {
      this.#stopping = true;
      log(`stopping: ${why}`);
      const running = this.#supervisor.running().length;
      if (running > 0) log(`stopping ${running} running attempt(s)`);
      await within(this.#supervisor.stopAll(), this.#config.killGraceMs + ATTEMPT_STOP_EXTRA_MS);
      if (this.#outbox.isOpen) await until(() => this.#statuses.unackedFinal().length === 0, FINAL_STATUS_DEADLINE_MS);
      this.#heartbeats.stop();
      await this.#connection.stop(CLOSE_DEADLINE_MS);
      log(`stopped (exit code ${exitCode})`);
      process.exit(exitCode);
    }
    return new Promise<never>(() => undefined);
  }

  #opened(welcome: Welcome): void {
    // chunks before statuses, so an attempt's end never overtakes its output
    this.#logs.resend();
    this.#statuses.resend();
    this.#uploads.resend();
    this.#heartbeats.start(welcome.heartbeatIntervalMs);
  }

  #running(): number[] {
    return [...new Set([...this.#supervisor.running(), ...this.#statuses.unackedFinal()])];
  }

  #describe(): NodeDescription {
    const described = this.#gpus.offered.flatMap((g) => (g.description ? [g.description] : []));
    return {
      hostname: this.#config.name,
      os: osName(),
      arch: process.arch,
      capacity: { ...this.#config.capacity, gpu: this.#gpus.offered.length },
      ...(described.length > 0 ? { gpus: described } : {}),
      labels: this.#config.labels,
      capabilities: [],
      running: this.#running(),
    };
  }
}

/** `linux` / `windows` / `darwin`: the words a nodeSelector uses, not Node's `win32`. */
function osName(): string {
  return process.platform === 'win32' ? 'windows' : process.platform;
}

function within(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve) => {
    const check = (): void => {
      if (condition() || Date.now() >= deadline) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
}
