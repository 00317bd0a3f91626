/**
 * The agent dir as tasks may see it. When tasks run as other users, they must reach their own
 * work dirs under `<dir>/work/` (so the dirs above are passable: 0711) and nothing else: the
 * credential, the registration token file, logs, package cache, process records and mount keys
 * are the agent's alone (0600 files, 0700 dirs, made so at every start).
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** What lives directly in the agent dir and is the agent's alone. */
/** Directories the agent fills later: made now, owner-only, so nothing in them is ever readable. */
const PRIVATE_DIRS = ['cache', 'mounts', 'process-groups'];
const PRIVATE = new Set([
  'node.json',
  'registration-token',
  'agent.log',
  'agent.pid',
  'cache',
  'mounts',
  'process-groups',
]);

export async function secureAgentDir(dir: string, tasksAreOtherUsers: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (process.platform === 'win32') return;
  await chmod(dir, tasksAreOtherUsers ? 0o711 : 0o700);
  for (const name of PRIVATE_DIRS) await mkdir(path.join(dir, name), { recursive: true });
  const work = path.join(dir, 'work');
  await mkdir(work, { recursive: true });
  await chmod(work, tasksAreOtherUsers ? 0o711 : 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!PRIVATE.has(entry.name)) continue;
    await chmod(path.join(dir, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
}
