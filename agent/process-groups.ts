/**
 * A record, on disk, of the process group of every running attempt. If the agent dies (SIGKILL,
 * OOM, crash), the commands it started live on in their own groups with nobody to report them
 * or kill them; the controller will declare the node lost and run that work elsewhere. So the
 * next agent start kills what the previous one left behind before it takes new work. (Adopting
 * them is impossible: their stdout and stderr pipes died with the old agent.)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, log } from './log.js';

const dirOf = (agentDir: string) => path.join(agentDir, 'process-groups');

export function recordGroup(agentDir: string, attemptId: number, pid: number): void {
  mkdirSync(dirOf(agentDir), { recursive: true });
  writeFileSync(path.join(dirOf(agentDir), String(attemptId)), `${pid}\n`);
}

export function forgetGroup(agentDir: string, attemptId: number): void {
  rmSync(path.join(dirOf(agentDir), String(attemptId)), { force: true });
}

/** Kills the groups a previous agent left behind. Returns how many were still alive. */
export function killLeftoverGroups(agentDir: string): number {
  if (process.platform === 'win32') return 0;
  let entries: string[];
  try {
    entries = readdirSync(dirOf(agentDir));
  } catch {
    return 0; // no record: nothing was running
  }
  let killed = 0;
  for (const name of entries) {
    const file = path.join(dirOf(agentDir), name);
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1 && startedByThisAgent(pid, agentDir)) {
      try {
        process.kill(-pid, 'SIGKILL');
        killed += 1;
        log(`attempt ${name}: killed process group ${pid} left by a previous agent run`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH')
          log(`attempt ${name}: could not kill group ${pid}: ${describeError(err)}`);
      }
    }
    rmSync(file, { force: true });
  }
  return killed;
}

/** Guards against a recycled pid: the group leader must be a shell whose work dir is ours. */
function startedByThisAgent(pid: number, agentDir: string): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const workDir = environ.find((e) => e.startsWith('BATCH_WORK_DIR='))?.slice('BATCH_WORK_DIR='.length);
    return workDir?.startsWith(path.resolve(agentDir) + path.sep) ?? false;
  } catch {
    return false; // gone, or not ours to read
  }
}
