/**
 * Runs a Node script as a real child process and collects its output. Every wait has a deadline,
 * after which the child is killed and the wait fails with the output seen so far.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.js';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NodeProcessOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  stdin?: string;
  /** How long the process may run before it is killed (default 20 s). */
  timeoutMs?: number;
}

export class NodeProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<ProcessResult>;
  private readonly child: ChildProcess;

  constructor(script: string, args: readonly string[], options: NodeProcessOptions = {}) {
    this.child = spawn(process.execPath, [script, ...args], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.child.stdin!.end(options.stdin ?? '');
    const timeoutMs = options.timeoutMs ?? 20_000;
    this.exited = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(
          new Error(`process did not exit within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`),
        );
      }, timeoutMs);
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves once stdout contains `text`; fails after `timeoutMs` or if the process exits first. */
  async waitForStdout(text: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      `stdout to contain ${JSON.stringify(text)}`,
      () => {
        if (this.stdout.includes(text)) return true;
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new Error(
            `process exited before printing ${JSON.stringify(text)}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
          );
        }
        return false;
      },
      { timeoutMs, describe: () => `stdout: ${this.stdout}\nstderr: ${this.stderr}` },
    );
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Sends a signal, as a terminal's Ctrl-C (SIGINT) does. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export function runNode(
  script: string,
  args: readonly string[],
  options: NodeProcessOptions = {},
): Promise<ProcessResult> {
  return new NodeProcess(script, args, options).exited;
}
