/**
 * Mounts of running attempts, on disk under `<agentDir>/mounts/<attemptId>.json`. An agent that
 * died (crash, SIGKILL, reboot of the agent service) leaves them mounted with nobody to unmount
 * them; the next start unmounts them before taking work, like it kills leftover process groups.
 * Each record holds the unmount commands themselves, so the next run needs nothing else. A mount
 * is recorded before it is attempted: unmounting something that never got mounted is harmless.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, log } from '../log.js';
import type { Command } from './mount-commands.js';
import { unmountWith } from './run-command.js';

export interface RecordedMount {
  what: string;
  unmount: Command[];
}

export function mountsDir(agentDir: string): string {
  return path.join(agentDir, 'mounts');
}

export async function recordMounts(
  agentDir: string,
  attemptId: number,
  mounts: readonly RecordedMount[],
): Promise<void> {
  await mkdir(mountsDir(agentDir), { recursive: true, mode: 0o700 });
  const file = path.join(mountsDir(agentDir), `${attemptId}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(mounts));
  await rename(`${file}.tmp`, file);
}

export async function forgetMounts(agentDir: string, attemptId: number): Promise<void> {
  await rm(path.join(mountsDir(agentDir), `${attemptId}.json`), { force: true });
}

/**
 * Unmounts what a previous agent run left mounted, last mount first, and removes key files it
 * left behind. Returns how many records were handled. A mount that will not go away stays
 * recorded, to be tried again at the next start.
 */
export async function unmountLeftovers(agentDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(mountsDir(agentDir));
  } catch {
    return 0; // no record: nothing was mounted
  }
  let handled = 0;
  for (const name of names) {
    const file = path.join(mountsDir(agentDir), name);
    if (name.endsWith('.key') || name.endsWith('.tmp')) {
      await rm(file, { force: true });
      continue;
    }
    if (!name.endsWith('.json')) continue;
    let mounts: RecordedMount[];
    try {
      mounts = JSON.parse(await readFile(file, 'utf8')) as RecordedMount[];
    } catch (err) {
      log(`mount record ${file} is unreadable, removing it: ${describeError(err)}`);
      await rm(file, { force: true });
      continue;
    }
    let stuck = false;
    for (const mount of [...mounts].reverse()) {
      const problem = await unmountWith(mount.unmount);
      if (problem === undefined)
        log(`attempt ${name.slice(0, -5)}: ${mount.what} is unmounted (a previous agent run left it)`);
      else {
        stuck = true;
        log(`attempt ${name.slice(0, -5)}: could not unmount ${mount.what}: ${problem}`);
      }
    }
    if (!stuck) await rm(file, { force: true });
    handled += 1;
  }
  return handled;
}
