/**
 * Where provider programs are started. Starting a process costs its parent a fork, a few
 * milliseconds of a large process's main thread each; a thousand nodes made at once spent most
 * of the controller's time there. So they are started by a small helper process (forked once,
 * restarted if it dies), and the controller only exchanges messages with it; the helper's forks
 * are cheap (it is small) and run on another core.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { passedEnvironment, runProgram, type ProgramOutcome, type ProgramRequest } from './program-run.js';

export interface ProgramRunner {
  run(request: ProgramRequest, cancel: AbortSignal): Promise<ProgramOutcome>;
  stop(): void;
}

/** In this process: for tests and tools that start no helper. */
export const inProcessRunner: ProgramRunner = {
  run: (request, cancel) => runProgram(request, cancel),
  stop: () => undefined,
};

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'program-helper.js');

/** Messages to the helper and back (structured clone over the IPC channel). */
export type ToHelper = { id: number; run: ProgramRequest } | { id: number; cancel: true };
export interface FromHelper {
  id: number;
  outcome: ProgramOutcome;
}

export class ForkedProgramRunner implements ProgramRunner {
  private helper: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: ProgramOutcome) => void>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  run(request: ProgramRequest, cancel: AbortSignal): Promise<ProgramOutcome> {
    const helper = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onCancel = () => helper.send({ id, cancel: true } satisfies ToHelper);
      cancel.addEventListener('abort', onCancel, { once: true });
      this.pending.set(id, (outcome) => {
        cancel.removeEventListener('abort', onCancel);
        resolve(outcome);
      });
      helper.send({ id, run: request } satisfies ToHelper);
    });
  }

  stop(): void {
    this.stopped = true;
    this.helper?.kill('SIGTERM');
  }

  private started(): ChildProcess {
    if (this.helper?.connected) return this.helper;
    // Only what programs may see: the controller's secrets never reach the helper.
    const helper = fork(HELPER, [], { env: passedEnvironment(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    helper.on('message', (message: FromHelper) => {
      const done = this.pending.get(message.id);
      this.pending.delete(message.id);
      done?.(message.outcome);
    });
    helper.on('exit', (code, signal) => {
      if (this.helper === helper) this.helper = undefined;
      // What was running there is lost with it: each call fails, and is retried by its caller.
      for (const [id, done] of this.pending) {
        this.pending.delete(id);
        done({ code: null, signal: null, stdout: '', stderrTail: '', failure: 'the provider program runner stopped' });
      }
      if (!this.stopped)
        this.log.warn(`provider program runner exited (${signal ?? `code ${code}`}); restarted on next use`);
    });
    helper.unref();
    helper.channel?.unref();
    this.helper = helper;
    return helper;
  }
}
