/**
 * Gives the work dir to the task's user, after the agent (as root) has staged the package and
 * inputs into it: everything in it becomes theirs, the dir itself 0700 so no other tenant can
 * look in, and a private temporary directory (`TMPDIR`) inside it, so temporary files do not
 * land in a /tmp that every tenant shares. Nothing to do when tasks run as the agent's user.
 */
import { chmod, lchown, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TaskUser } from '../isolation/task-users.js';
import { describeError } from '../log.js';
import { fail } from './failure.js';
import type { AttemptHook } from './hook.js';

/** The task's own temporary directory, inside its work dir. */
export const taskTmpDir = (workDir: string): string => path.join(workDir, '.tmp');

export function ownerHook(workDir: string, user: TaskUser | undefined): AttemptHook {
  return {
    name: 'ownership',
    async prepare() {
      if (user === undefined) return;
      try {
        await mkdir(taskTmpDir(workDir), { recursive: true });
        await chownTree(workDir, user);
        await chmod(workDir, 0o700);
        await chmod(taskTmpDir(workDir), 0o700);
      } catch (err) {
        throw fail('AGENT_ERROR', `cannot give the work dir to ${user.name}: ${describeError(err)}`, true);
      }
    },
  };
}

/** lchown, depth first: a link is given away itself, never what it points to. */
async function chownTree(dir: string, user: TaskUser): Promise<void> {
  await lchown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, user);
    else await lchown(full, user.uid, user.gid);
  }
}
