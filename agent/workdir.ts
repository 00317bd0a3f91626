/**
 * Each attempt runs in a fresh directory, `<dir>/work/<jobId>/<task>/<index>/<attempt>`, left in
 * place after the attempt for inspection and swept once it is a day old.
 */
import { chmod, mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import path, { join } from 'node:path';
import type { StartAttempt } from '../protocol/messages.js';
import { describeError, log } from './log.js';

export const WORK_DIR_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const WORK_DEPTH = 4; // job / task / index / attempt

export function workRoot(agentDir: string): string {
  return join(agentDir, 'work');
}

/**
 * Names come from the controller but become path segments here: anything that could climb out
 * of the work root or mean something to the file system is percent-encoded.
 */
export function pathSegment(name: string): string {
  // every escape is %XX of one UTF-8 byte, so distinct names stay distinct
  const safe = name.replace(/[^A-Za-z0-9._-]/gu, (c) => Buffer.from(c).toString('hex').replace(/../g, '%$&'));
  if (safe === '' || safe === '.' || safe === '..') return safe.replace(/\./g, '%2e') || '%00';
  return safe;
}

export function workDirOf(
  agentDir: string,
  spec: Pick<StartAttempt, 'jobId' | 'taskName' | 'index' | 'attempt'>,
): string {
  return join(
    workRoot(agentDir),
    pathSegment(spec.jobId),
    pathSegment(spec.taskName),
    String(spec.index),
    String(spec.attempt),
  );
}

/**
 * Creates the attempt's work dir empty, removing what an earlier run of the same attempt left.
 * The dirs above it are made passable but not listable (0711) for the task's user, who owns
 * only its own work dir (runner/owner-hook.ts) and must not learn what else runs here.
 */
export async function prepareWorkDir(agentDir: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const root = workRoot(agentDir);
  for (let above = path.dirname(dir); above.startsWith(root); above = path.dirname(above)) await chmod(above, 0o711);
}

/** Removes attempt dirs untouched for `maxAgeMs`, then the parents they leave empty. */
export async function sweepWorkDirs(
  agentDir: string,
  maxAgeMs = WORK_DIR_MAX_AGE_MS,
  now = Date.now(),
): Promise<number> {
  return sweep(workRoot(agentDir), 1, now - maxAgeMs);
}

async function sweep(dir: string, depth: number, cutoff: number): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (depth < WORK_DEPTH) {
      removed += await sweep(path, depth + 1, cutoff);
      await removeIfEmpty(path);
    } else if ((await stat(path)).mtimeMs < cutoff) {
      await rm(path, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return;
    log(`could not remove empty work dir ${dir}: ${describeError(err)}`);
  }
}
