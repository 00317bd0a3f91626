/**
 * Runs one provider program: its argument vector without a shell, one document on stdin, in its
 * own process group (killed whole at the timeout or on cancel), with only PATH, HOME, the locale
 * and TMPDIR of the environment. What it prints is bounded: stdout up to MAX_STDOUT_BYTES, the
 * last STDERR_TAIL_BYTES of stderr. The outcome is data, never a throw: the caller decides.
 */
import { spawn } from 'node:child_process';

/** What a provider program may print: enough for thousands of hosts, never the controller's memory. */
export const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
/** The end of stderr kept for the node's message and the log. */
export const STDERR_TAIL_BYTES = 2048;
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export interface ProgramOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderrTail: string;
  /** Why it was stopped or could not run (timeout, too much output, not found). */
  failure?: string;
  /** Stopped because the caller cancelled it (its own deadline, usually). */
  cancelled?: boolean;
}

export interface ProgramRequest {
  argv: readonly string[];
  stdin: string;
  timeoutMs: number;
}

export function passedEnvironment(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(PASSED_ENV.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
}

/** Runs it; `cancel` (if given) is how the caller stops it early. */
export function runProgram(request: ProgramRequest, cancel?: AbortSignal): Promise<ProgramOutcome> {
  const [program, ...args] = request.argv;
  return new Promise((resolve) => {
    const child = spawn(program!, args, { env: passedEnvironment(), detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let failure: string | undefined;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const stop = (why: string) => {
      failure ??= why;
      killGroup();
    };
    const timer = setTimeout(() => {
      stop(`${program} did not finish within its timeout (${Math.round(request.timeoutMs / 1000)} s)`);
    }, request.timeoutMs);
    let cancelled = false;
    const onCancel = () => {
      cancelled = true;
      stop(`${program} was cancelled`);
    };
    cancel?.addEventListener('abort', onCancel, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) stop(`printed more than ${MAX_STDOUT_BYTES} bytes`);
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    child.on('error', (err) => {
      failure ??= `could not run ${program}: ${err.message}`;
    });
    // A program that exits without reading stdin is fine.
    child.stdin.on('error', () => undefined);
    child.stdin.end(request.stdin);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderrTail: stderr.toString('utf8').trim(),
        ...(failure !== undefined ? { failure } : {}),
        ...(cancelled ? { cancelled } : {}),
      });
    });
  });
}
