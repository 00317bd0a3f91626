/**
 * A helper that fails — a child process, or a pipe to one, opened by the agent or by a library it
 * uses — fails alone: it is logged once and the agent carries on. Issue #18: a metrics library
 * wrote to the stdin of a PowerShell that had already exited; the EPIPE came on a stream nobody
 * listened to, became an uncaught exception, and the agent stopped, losing the node's work.
 *
 * Two layers:
 * - `guardChildProcesses`: Node announces every child process on the 'child_process' diagnostics
 *   channel, whoever spawns it. Each gets an 'error' listener on itself and on each of its pipes;
 *   an error nobody else listens to is logged with the program and the pipe that failed.
 * - `isHelperFailure`, for the process-wide handlers (main.ts): of the errors that still reach
 *   them, those of a pipe or socket whose other end went away, or of a program that could not be
 *   started, are a helper's. Everything else means the agent itself is broken, and it stops.
 * Both are safe to carry on after: Node emits these errors from its own stream and process
 * machinery, in a callback of their own, so no code of the agent was interrupted half-way.
 */
import type { ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import type { Stream } from 'node:stream';
import { describeError, log } from './log.js';

/** The other end of a pipe or socket went away, or a stream was used after it ended. */
const GONE_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNABORTED',
  'EOF',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const STDIO_NAMES = ['stdin', 'stdout', 'stderr'];

export function isHelperFailure(err: unknown): err is NodeJS.ErrnoException {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as NodeJS.ErrnoException;
  if (typeof code !== 'string') return false;
  // `spawn <file>`: the program is missing, not executable, or the host is out of processes
  return GONE_CODES.has(code) || (typeof syscall === 'string' && syscall.startsWith('spawn'));
}

/**
 * For the process-wide handlers: what failed, once per kind of failure. Programs are named, never
 * their arguments: a task's command line is the user's and may hold secrets.
 */
export function logHelperFailure(err: NodeJS.ErrnoException): void {
  const program = err.path === undefined ? '' : ` (${err.path})`;
  logOnce(
    `uncaught ${err.syscall} ${err.code}`,
    `a helper failed${program}; the agent carries on (logged once per kind): ${err.stack ?? err.message}`,
  );
}

export function guardChildProcesses(): void {
  subscribe('child_process', (message) => {
    const child = (message as { process: ChildProcess }).process;
    child.on('error', (err) => unheard(child, 'process', child, err));
    // Published from ChildProcess's constructor, before its pipes exist. This tick runs after the
    // spawning code's synchronous part and before any error of its pipes is emitted (Node emits
    // those on a later tick), whether the program started or not.
    process.nextTick(() => {
      // undefined when spawn() threw (bad arguments), whatever Node's types say
      const pipes = (child.stdio as ChildProcess['stdio'] | undefined) ?? [];
      for (const [fd, stream] of pipes.entries()) {
        stream?.on('error', (err) => unheard(child, STDIO_NAMES[fd] ?? `fd ${fd}`, stream, err));
      }
    });
  });
}

function unheard(child: ChildProcess, part: string, emitter: ChildProcess | Stream, err: Error): void {
  // another listener: the owner handles its own failure
  if (emitter.listenerCount('error') > 1) return;
  const code = (err as NodeJS.ErrnoException).code ?? err.name;
  logOnce(
    `${child.spawnfile} ${part} ${code}`,
    `helper ${child.spawnfile} (pid ${child.pid ?? 'none'}), ${part}: ${describeError(err)}; the agent carries on (logged once per program and kind)`,
  );
}

const logged = new Set<string>();

function logOnce(key: string, message: string): void {
  if (logged.has(key)) return;
  logged.add(key);
  log(message);
}
