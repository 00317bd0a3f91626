/**
 * Runs `nvidia-smi` once and returns what it printed. Bounded both ways, since a broken driver is
 * exactly when nvidia-smi misbehaves: it can hang (in the kernel, where even SIGKILL waits), so
 * the answer is given up on after `timeoutMs` whether or not the process is gone; and what it
 * prints is capped. Once answered or given up on, the process is unref'd: a hung one never keeps
 * the agent from exiting.
 */
import { spawn } from 'node:child_process';

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,uuid,name,memory.total', '--format=csv,noheader,nounits'];

export interface NvidiaSmiOptions {
  /** The program: `nvidia-smi`, found on PATH. */
  program: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

export const NVIDIA_SMI_DEFAULTS: NvidiaSmiOptions = {
  program: 'nvidia-smi',
  timeoutMs: 5_000,
  maxOutputBytes: 64 * 1024,
};

/** nvidia-smi is not installed: the usual case on a node without NVIDIA GPUs, not a failure. */
export class NvidiaSmiMissing extends Error {
  constructor(program: string) {
    super(`${program} not found`);
    this.name = 'NvidiaSmiMissing';
  }
}

/** Rejects with NvidiaSmiMissing, or an Error that says what went wrong (exit code and stderr). */
export function queryNvidiaSmi(opts: NvidiaSmiOptions = NVIDIA_SMI_DEFAULTS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.program, NVIDIA_SMI_ARGS, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    let stderr = '';
    let size = 0;
    let settled = false;
    const settle = (outcome: Error | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // a process hung in the driver outlives even SIGKILL; it must not keep the agent from exiting
      child.unref();
      if (typeof outcome === 'string') resolve(outcome);
      else reject(outcome);
    };
    const timer = setTimeout(() => {
      settle(new Error(`${opts.program} gave no answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);

    child.stdout.on('data', (data: Buffer) => {
      size += data.length;
      if (size > opts.maxOutputBytes)
        settle(new Error(`${opts.program} printed more than ${opts.maxOutputBytes} bytes`));
      else stdout.push(data);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      if (stderr.length < 1024) stderr += text;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle(err.code === 'ENOENT' ? new NvidiaSmiMissing(opts.program) : err);
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        settle(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
      const said = stderr.trim() || Buffer.concat(stdout).toString('utf8').trim();
      settle(new Error(`${opts.program} ${how}${said === '' ? '' : `: ${said.slice(0, 300)}`}`));
    });
  });
}
