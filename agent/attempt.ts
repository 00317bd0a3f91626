/**
 * One attempt of an instance on this node, from `startAttempt` to its final status:
 * fresh work dir → spawn → RUNNING → wait until the process has ended AND both pipes are closed →
 * flush its logs → final status. The order is the contract: the controller has every log chunk
 * of an attempt before it sees the attempt end.
 */
import type { KillAttempt, StartAttempt } from '../protocol/messages.js';
import { instanceEnv } from './instance-env.js';
import { describeError, log } from './log.js';
import type { LogShipper } from './log-shipper.js';
import { exitCodeOf, killTree, spawnShell, type ProcessEnd, type ShellChild } from './process.js';
import type { StatusReport, StatusReporter } from './status-reporter.js';
import { forgetGroup, recordGroup } from './process-groups.js';
import { prepareWorkDir, workDirOf } from './workdir.js';

export type KillReason = KillAttempt['reason'];

export interface AttemptDeps {
  agentDir: string;
  nodeId: string;
  killGraceMs: number;
  agentEnv: NodeJS.ProcessEnv;
  logs: LogShipper;
  statuses: StatusReporter;
}

/** How long pipes may stay open after the process exited before we stop waiting for them. */
const PIPE_DRAIN_EXTRA_MS = 2000;

export class Attempt {
  readonly id: number;
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
      this.#finish({ attemptId: this.id, state: 'FAILED', failureReason: 'AGENT_ERROR', exitCode: null, message: `agent error: ${describeError(err)}` });
    }
  }

  /** Stops the attempt with its whole process tree; the first reason given is the one reported. */
  kill(reason: KillReason): void {
    if (this.#killReason !== undefined || this.#finished) return;
    // after the main process exited on its own, its exit code stands; only leftovers remain
    if (!this.#exited) this.#killReason = reason;
    log(`${this.label}: killing (${reason})`);
    if (this.#pid !== undefined) killTree(this.#pid, this.deps.killGraceMs);
  }

  async #run(): Promise<void> {
    const workDir = workDirOf(this.deps.agentDir, this.spec);
    try {
      await prepareWorkDir(workDir);
    } catch (err) {
      this.#finish({ attemptId: this.id, state: 'FAILED', failureReason: 'AGENT_ERROR', exitCode: null, message: `cannot create work dir ${workDir}: ${describeError(err)}` });
      return;
    }
    if (this.#killReason !== undefined) {
      this.#finish(this.#killedReport());
      return;
    }

    const env = instanceEnv(this.deps.agentEnv, this.spec, { nodeId: this.deps.nodeId, workDir });
    const child = spawnShell(this.spec.command, { cwd: workDir, env });
    const ended = endOf(child);
    if (child.pid === undefined) {
      const end = await ended;
      const why = end instanceof Error ? describeError(end) : 'no process id';
      this.#finish({ attemptId: this.id, state: 'FAILED', failureReason: 'AGENT_ERROR', exitCode: null, message: `cannot start the command: ${why}` });
      return;
    }
    this.#pid = child.pid;
    recordGroup(this.deps.agentDir, this.id, child.pid);
    log(`${this.label}: started as pid ${child.pid} in ${workDir}`);
    this.deps.statuses.report({ attemptId: this.id, state: 'RUNNING' });
    child.stdout.on('data', (data: Buffer) => this.deps.logs.write(this.id, 'stdout', data));
    child.stderr.on('data', (data: Buffer) => this.deps.logs.write(this.id, 'stderr', data));

    const timeout =
      this.spec.timeoutSeconds > 0 ? setTimeout(() => this.kill('TIMEOUT'), this.spec.timeoutSeconds * 1000) : undefined;
    const stopWaiting = this.#watchLeftovers(child);

    const end = await ended;
    clearTimeout(timeout);
    stopWaiting();
    forgetGroup(this.deps.agentDir, this.id);
    this.deps.logs.close(this.id);
    this.#finish(end instanceof Error ? this.#agentError(end) : this.#endReport(end));
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
      if (process.platform !== 'win32' && this.#pid !== undefined && this.#killReason === undefined) killTree(this.#pid, this.deps.killGraceMs);
      drainTimer = setTimeout(() => {
        log(`${this.label}: output pipes still open ${this.deps.killGraceMs + PIPE_DRAIN_EXTRA_MS} ms after exit; closing them`);
        child.stdout.destroy();
        child.stderr.destroy();
      }, this.deps.killGraceMs + PIPE_DRAIN_EXTRA_MS);
    });
    return () => clearTimeout(drainTimer);
  }

  #endReport(end: ProcessEnd): StatusReport {
    if (this.#killReason !== undefined) return this.#killedReport(end);
    const exitCode = exitCodeOf(end);
    if (end.code === 0) return { attemptId: this.id, state: 'SUCCEEDED', exitCode: 0 };
    if (end.code !== null) return { attemptId: this.id, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode, message: `exited with code ${end.code}` };
    if (end.signal !== null) {
      return { attemptId: this.id, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode, message: `killed by signal ${end.signal}, not by the agent` };
    }
    return this.#agentError(new Error('the process ended with neither an exit code nor a signal'));
  }

  #killedReport(end?: ProcessEnd): StatusReport {
    const how = end?.signal ? `; ended by ${end.signal}` : '';
    if (this.#killReason === 'TIMEOUT') {
      const limit = this.spec.timeoutSeconds > 0 ? ` of ${this.spec.timeoutSeconds} s` : '';
      return { attemptId: this.id, state: 'FAILED', failureReason: 'TIMEOUT', exitCode: null, message: `timeout${limit} reached, process tree killed${how}` };
    }
    return { attemptId: this.id, state: 'STOPPED', exitCode: null, message: `stopped (${this.#killReason ?? 'STOPPED'}), process tree killed${how}` };
  }

  #agentError(err: Error): StatusReport {
    return { attemptId: this.id, state: 'FAILED', failureReason: 'AGENT_ERROR', exitCode: null, message: `agent error: ${describeError(err)}` };
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
