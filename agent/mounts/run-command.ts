/**
 * Running a mount-related command: argv only, no shell (sources and options come from users),
 * with a deadline, since an unreachable NFS server can make `mount` hang for minutes. The
 * command's own stderr is what the user needs to see when it fails.
 */
import { execFile } from 'node:child_process';
import type { Command } from './mount-commands.js';

export const MOUNT_TIMEOUT_MS = 120_000;
/** mkfs of a large disk takes a while. */
export const FORMAT_TIMEOUT_MS = 600_000;

export interface CommandResult {
  /** The exit code; null when it could not start, timed out or was killed. */
  code: number | null;
  /** Why it failed, for a message: its stderr, else how it ended. */
  problem: string;
}

export function runCommand(command: Command, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command.file,
      command.args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true, maxBuffer: 1024 * 1024, signal },
      (err, _stdout, stderr) => {
        if (err === null) {
          resolve({ code: 0, problem: '' });
          return;
        }
        const text = stderr.trim();
        // Node's typing merges two shapes of `code`: an exit code (number) or a spawn error (string).
        const failed: { code?: unknown; killed?: boolean } = err;
        const code = typeof failed.code === 'number' ? failed.code : null;
        let how: string;
        if (failed.killed && !signal?.aborted) how = `no answer within ${timeoutMs / 1000} s`;
        else if (typeof failed.code === 'string') how = `${command.file} could not run: ${failed.code}`;
        else how = `exit code ${code ?? 'none'}`;
        resolve({ code, problem: text === '' ? how : text });
      },
    );
  });
}

export function commandLine(command: Command): string {
  return [command.file, ...command.args].join(' ');
}

/**
 * Runs the unmount commands in order until one succeeds; "not mounted" counts as success (the
 * mount failed, or a previous run already removed it). Returns undefined, or why it failed.
 */
export async function unmountWith(commands: readonly Command[]): Promise<string | undefined> {
  let problem = 'no unmount command';
  for (const command of commands) {
    const result = await runCommand(command, MOUNT_TIMEOUT_MS);
    if (result.code === 0 || /not mounted|not found|no mount point|could not be found/i.test(result.problem))
      return undefined;
    problem = `${commandLine(command)}: ${result.problem}`;
  }
  return problem;
}
