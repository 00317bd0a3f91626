/**
 * One attempt of an instance on this node, from `startAttempt` to its final status, through the
 * lifecycle hooks of runner/ (see hook.ts for the contract):
 *
 *   gpus → work dir → mounts → package → inputs → ownership → command → outputs → unmount
 *   → gpus given back → logs closed → final status
 *
 * It runs as its tenant's own OS user where the node can (isolation/task-users.ts).
 *
 * A failed step fails the attempt with its typed reason, and its message is written into the
 * attempt's stderr as a `[batch]` line too; the steps after it are skipped, every cleanup runs.
 * The command's part keeps its contract: the attempt is RUNNING from the spawn, and its end is
 * awaited until the process has ended AND both pipes are closed, so the controller has every log
 * chunk of an attempt before it sees the attempt end.
 */
import type { KillAttempt, StartAttempt } from '../protocol/messages.js';
import { instanceEnv } from './instance-env.js';
import type { GpuAllocator } from './gpus/gpu-allocator.js';
import { describeError, log } from './log.js';
import type { LogShipper } from './log-shipper.js';
import { exitCodeOf, killTree, spawnShell, type ProcessEnd, type ShellChild } from './process.js';
import { forgetGroup, recordGroup } from './process-groups.js';
import { StepFailed, type Failure } from './runner/failure.js';
import { gpusHook } from './runner/gpus-hook.js';
import { cleanupAll, type AttemptHook } from './runner/hook.js';
import { inputsHook } from './runner/inputs-hook.js';
import { logsHook } from './runner/logs-hook.js';
import { mountsHook } from './runner/mounts-hook.js';
import { outputsHook } from './runner/outputs-hook.js';
import { packageHook } from './runner/package-hook.js';
import { setupLog, type Say } from './runner/setup-log.js';
import { ownerHook, taskTmpDir } from './runner/owner-hook.js';
import { workDirHook } from './runner/workdir-hook.js';
import type { TaskUser, TaskUsers } from './isolation/task-users.js';
import type { PackageCache } from './staging/package-cache.js';
import type { UnzipLimits } from './staging/unzip.js';
import type { StatusReport, StatusReporter } from './status-reporter.js';
import type { UploadGrants } from './upload-grants.js';
import { workDirOf } from './workdir.js';

export type KillReason = KillAttempt['reason'];

export interface AttemptDeps {
  agentDir: string;
  nodeId: string;
  killGraceMs: number;
  agentEnv: NodeJS.ProcessEnv;
  logs: LogShipper;
  statuses: StatusReporter;
  packages: PackageCache;
  unzipLimits: UnzipLimits;
  uploads: UploadGrants;
  taskUsers: TaskUsers;
  /** Block devices `disk` mounts may use (globs). */
  diskDevices: readonly string[];
  /** The node's GPUs and which attempt holds which. */
  gpus: GpuAllocator;
}

/** How long pipes may stay open after the process exited before we stop waiting for them. */
const PIPE_DRAIN_EXTRA_MS = 2000;

/**
 * What a kill does depends on where the attempt is: before and after the command it aborts the
 * step in progress (a download, a mount, an upload); during it, it kills the process tree; once
 * cleanup has begun the outcome is decided and cleanup runs to its end.
 */
type Phase = 'setup' | 'command' | 'outputs' | 'cleanup';

export class Attempt {
  readonly id: number;
  #phase: Phase = 'setup';
  #abort = new AbortController();
  #killReason: KillReason | undefined;
  #pid: number | undefined;
  #exited = false;
  #finished = false;

  constructor(
    readonly spec: StartAttempt,
    private readonly deps: AttemptDeps,
  ) {
    this.id = spec.attemptId;
  }

  get label(): string {
    return `attempt ${this.id} (${this.spec.jobId}/${this.spec.taskName}[${this.spec.index}] try ${this.spec.attempt})`;
  }

  /** Runs the attempt to its end and reports it. Never rejects: an agent fault is a status too. */
  async run(): Promise<void> {
    try {
      await this.#run();
    } catch (err) {
      this.#finish(this.#agentError(err));
    }
  }

  /** Stops the attempt; the first reason given is the one reported. */
  kill(reason: KillReason): void {
    if (this.#finished || this.#phase === 'cleanup') return;
    if (this.#phase !== 'command') {
      if (this.#killReason === undefined) {
        this.#killReason = reason;
        log(`${this.label}: killing (${reason}) during ${this.#phase}`);
      }
      this.#abort.abort(new Error(`attempt killed (${reason})`));
      return;
    }
    if (this.#killReason !== undefined) return;
    // after the main process exited on its own, its exit code stands; only leftovers remain
    if (!this.#exited) this.#killReason = reason;
    log(`${this.label}: killing (${reason})`);
    if (this.#pid === undefined) return;
    const pid = this.#pid;
    killTree(pid, this.deps.killGraceMs);
    // A kill can miss (a tree walk racing a fork, a slow taskkill on a loaded host): until the
    // attempt has ended, try again every grace period. Killing what is gone is harmless.
    const again = setInterval(
      () => {
        if (this.#finished) clearInterval(again);
        else killTree(pid, this.deps.killGraceMs);
      },
      Math.max(1000, this.deps.killGraceMs),
    );
    again.unref();
  }

  async #run(): Promise<void> {
    const workDir = workDirOf(this.deps.agentDir, this.spec);
    const say = setupLog(this.deps.logs, this.id, this.label);
    const user = this.deps.taskUsers.acquire(this.spec.tenantNumber);
    const gpus = gpusHook({ allocator: this.deps.gpus, attemptId: this.id, wanted: this.spec.resources?.gpu, say });
    const hooks: AttemptHook[] = [
      logsHook(this.deps.logs, this.id),
      gpus,
      workDirHook(this.deps.agentDir, workDir),
      mountsHook({
        agentDir: this.deps.agentDir,
        attemptId: this.id,
        mounts: this.spec.mounts ?? [],
        diskDevices: this.deps.diskDevices,
        user,
        say,
      }),
      packageHook({ pkg: this.spec.package, workDir, cache: this.deps.packages, limits: this.deps.unzipLimits, say }),
      inputsHook({ inputs: this.spec.inputs ?? [], workDir, say }),
      ownerHook(workDir, user),
      outputsHook({ spec: this.spec, workDir, grants: this.deps.uploads, say, owner: user?.uid ?? process.getuid?.() }),
    ];
    let report: StatusReport;
    try {
      report = await this.#lifecycle(hooks, workDir, say, user, gpus.env);
    } finally {
      this.#phase = 'cleanup';
      await cleanupAll(hooks, (problem) => say(problem));
      this.deps.taskUsers.release(user);
    }
    this.#finish(report);
  }

  /** A method, not a field test: the kill arrives during the awaits, which field narrowing ignores. */
  #killRequested(): boolean {
    return this.#killReason !== undefined;
  }

  async #lifecycle(
    hooks: readonly AttemptHook[],
    workDir: string,
    say: Say,
    user: TaskUser | undefined,
    gpuEnv: () => Record<string, string>,
  ): Promise<StatusReport> {
    for (const hook of hooks) {
      if (this.#killRequested()) return this.#killedReport(' before the command started');
      try {
        await hook.prepare?.(this.#abort.signal);
      } catch (err) {
        if (this.#killRequested()) return this.#killedReport(' before the command started');
        return this.#stepFailed(hook, err, say, null);
      }
    }

    this.#phase = 'command';
    if (this.#killRequested()) return this.#killedReport(' before the command started');
    const command = await this.#command(workDir, user, gpuEnv());
    if (command.state === 'STOPPED' || command.failureReason === 'AGENT_ERROR') return command;

    this.#phase = 'outputs';
    this.#abort = new AbortController();
    const outcome = { succeeded: command.state === 'SUCCEEDED' };
    for (const hook of hooks) {
      try {
        await hook.afterCommand?.(outcome, this.#abort.signal);
      } catch (err) {
        if (this.#abort.signal.aborted) return this.#killedReport(' while its outputs were uploaded');
        // a failed command keeps its own reason; a succeeded one fails for what went wrong after it
        if (!outcome.succeeded) {
          const failure = this.#failureOf(hook, err, say);
          return { ...command, message: `${command.message ?? 'the command failed'}; ${failure.message}` };
        }
        return this.#stepFailed(hook, err, say, command.exitCode ?? null);
      }
    }
    return command;
  }

  /** Spawns the command and waits for its end (process gone, pipes drained). */
  async #command(workDir: string, user: TaskUser | undefined, gpuEnv: Record<string, string>): Promise<StatusReport> {
    const env = instanceEnv(this.deps.agentEnv, this.spec, {
      nodeId: this.deps.nodeId,
      workDir,
      gpuEnv,
      ...(user ? { user: { name: user.name, tmpDir: taskTmpDir(workDir) } } : {}),
    });
    // the setup lines go out before the command's first output
    this.deps.logs.flush(this.id);
    const child = spawnShell(this.spec.command, { cwd: workDir, env, ...(user ? { user } : {}) });
    const ended = endOf(child);
    if (child.pid === undefined) {
      const end = await ended;
      const why = end instanceof Error ? describeError(end) : 'no process id';
      return {
        attemptId: this.id,
        state: 'FAILED',
        failureReason: 'AGENT_ERROR',
        exitCode: null,
        message: `cannot start the command: ${why}`,
      };
    }
    this.#pid = child.pid;
    recordGroup(this.deps.agentDir, this.id, child.pid);
    log(`${this.label}: started as pid ${child.pid} in ${workDir}`);
    this.deps.statuses.report({ attemptId: this.id, state: 'RUNNING' });
    const onOutput = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      this.deps.logs.write(this.id, stream, data);
      if (!this.deps.logs.congested || child.stdout.isPaused()) return;
      // Too much output not yet acknowledged: stop reading until the controller catches up.
      child.stdout.pause();
      child.stderr.pause();
      void this.deps.logs.whenDrained().then(() => {
        child.stdout.resume();
        child.stderr.resume();
      });
    };
    child.stdout.on('data', onOutput('stdout'));
    child.stderr.on('data', onOutput('stderr'));

    const timeout =
      this.spec.timeoutSeconds > 0
        ? setTimeout(() => this.kill('TIMEOUT'), this.spec.timeoutSeconds * 1000)
        : undefined;
    const stopWaiting = this.#watchLeftovers(child);

    const end = await ended;
    clearTimeout(timeout);
    stopWaiting();
    forgetGroup(this.deps.agentDir, this.id);
    return end instanceof Error ? this.#agentError(end) : this.#endReport(end);
  }

  /**
   * When the command's main process exits, whatever it left running in the background belongs to
   * the attempt too: it would hold the node's capacity and our pipes open. So the leftovers are
   * killed, and if something outside the process group still holds the pipes, we stop waiting.
   */
  #watchLeftovers(child: ShellChild): () => void {
    let drainTimer: NodeJS.Timeout | undefined;
    child.once('exit', () => {
      this.#exited = true;
      if (process.platform !== 'win32' && this.#pid !== undefined && this.#killReason === undefined)
        killTree(this.#pid, this.deps.killGraceMs);
      drainTimer = setTimeout(() => {
        log(
          `${this.label}: output pipes still open ${this.deps.killGraceMs + PIPE_DRAIN_EXTRA_MS} ms after exit; closing them`,
        );
        child.stdout.destroy();
        child.stderr.destroy();
      }, this.deps.killGraceMs + PIPE_DRAIN_EXTRA_MS);
    });
    return () => clearTimeout(drainTimer);
  }

  #endReport(end: ProcessEnd): StatusReport {
    if (this.#killReason !== undefined)
      return this.#killedReport(`, process tree killed${end.signal ? `; ended by ${end.signal}` : ''}`);
    const exitCode = exitCodeOf(end);
    if (end.code === 0) return { attemptId: this.id, state: 'SUCCEEDED', exitCode: 0 };
    if (end.code !== null)
      return {
        attemptId: this.id,
        state: 'FAILED',
        failureReason: 'EXIT_CODE',
        exitCode,
        message: `exited with code ${end.code}`,
      };
    if (end.signal !== null) {
      return {
        attemptId: this.id,
        state: 'FAILED',
        failureReason: 'EXIT_CODE',
        exitCode,
        message: `killed by signal ${end.signal}, not by the agent`,
      };
    }
    return this.#agentError(new Error('the process ended with neither an exit code nor a signal'));
  }

  /** `how` completes the message: `, process tree killed; ended by SIGTERM`, ` before the command started`. */
  #killedReport(how: string): StatusReport {
    if (this.#killReason === 'TIMEOUT') {
      const limit = this.spec.timeoutSeconds > 0 ? ` of ${this.spec.timeoutSeconds} s` : '';
      return {
        attemptId: this.id,
        state: 'FAILED',
        failureReason: 'TIMEOUT',
        exitCode: null,
        message: `timeout${limit} reached${how}`,
      };
    }
    return {
      attemptId: this.id,
      state: 'STOPPED',
      exitCode: null,
      message: `stopped (${this.#killReason ?? 'STOPPED'})${how}`,
    };
  }

  #stepFailed(hook: AttemptHook, err: unknown, say: Say, exitCode: number | null): StatusReport {
    const failure = this.#failureOf(hook, err, say);
    return {
      attemptId: this.id,
      state: 'FAILED',
      failureReason: failure.reason,
      exitCode,
      message: failure.message,
      // The controller fails the instance at once when no other attempt could succeed.
      retryable: failure.retryable,
    };
  }

  /** A step's typed failure, told to the user in the attempt's stderr; anything else is an agent fault. */
  #failureOf(hook: AttemptHook, err: unknown, say: Say): Failure {
    const failure: Failure =
      err instanceof StepFailed
        ? err.failure
        : { reason: 'AGENT_ERROR', message: `agent error in ${hook.name}: ${describeError(err)}`, retryable: true };
    say(`${failure.reason}: ${failure.message}`);
    log(`${this.label}: ${hook.name} failed (${failure.retryable ? 'retryable' : 'not retryable'})`);
    return failure;
  }

  #agentError(err: unknown): StatusReport {
    return {
      attemptId: this.id,
      state: 'FAILED',
      failureReason: 'AGENT_ERROR',
      exitCode: null,
      message: `agent error: ${describeError(err)}`,
    };
  }

  #finish(report: StatusReport): void {
    if (this.#finished) return;
    this.#finished = true;
    const code = report.exitCode === null || report.exitCode === undefined ? '' : ` exit ${report.exitCode}`;
    log(`${this.label}: ${report.state}${report.failureReason ? ` ${report.failureReason}` : ''}${code}`);
    this.deps.statuses.report(report);
  }
}

/** Resolves on 'close' (process gone and both pipes drained), or with the error if it never started. */
function endOf(child: ShellChild): Promise<ProcessEnd | Error> {
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => {
      if (child.pid === undefined) resolve(err);
      else log(`process ${child.pid}: ${describeError(err)}`);
    });
  });
}
