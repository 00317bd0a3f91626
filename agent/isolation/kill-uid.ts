/**
 * Kills the processes one uid runs under this agent's work root (Linux, as root): what a tenant
 * left running after its last attempt here, including daemons that escaped their attempt's
 * process group. Read from /proc: a process whose real or effective uid is the tenant's and
 * whose BATCH_WORK_DIR (inherited from its attempt) is under this agent's work root — another
 * agent on the same host runs the same tenant as the same uid, and its processes are not ours.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, log } from '../log.js';

export function killUidProcesses(uid: number, workRoot: string): number {
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!ownedBy(pid, uid) || !startedUnder(pid, workRoot)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed += 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') log(`could not kill process ${pid}: ${describeError(err)}`);
    }
  }
  return killed;
}

function ownedBy(pid: number, uid: number): boolean {
  try {
    const line = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line !== null && (Number(line[1]) === uid || Number(line[2]) === uid);
  } catch {
    return false; // it ended meanwhile
  }
}

function startedUnder(pid: number, workRoot: string): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const workDir = environ.find((e) => e.startsWith('BATCH_WORK_DIR='))?.slice('BATCH_WORK_DIR='.length);
    return workDir?.startsWith(workRoot + path.sep) ?? false;
  } catch {
    return false;
  }
}
