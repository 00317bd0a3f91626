/**
 * The files an attempt's `outputs` name, found after the command: a path ending in `/` is a
 * directory whose regular files are all uploaded (recursively; an empty or missing directory
 * uploads nothing), any other path is one file that must exist. Symbolic links are not followed:
 * only what the command wrote inside its work dir leaves the node.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { StagedOutput } from '../../protocol/messages.js';
import { fail } from '../runner/failure.js';
import { resolveInside, segmentsOf, unsafePathRule } from './safe-path.js';

export interface OutputFile {
  /** Relative to the work dir, `/`-separated: what `uploadRequest` names. */
  path: string;
  absolute: string;
  size: number;
  output: StagedOutput;
}

/** Refuses output paths that point outside the work dir, before the command runs. */
export function checkOutputPaths(outputs: readonly StagedOutput[]): void {
  for (const output of outputs) {
    const rule = unsafePathRule(output.path);
    if (rule !== undefined) throw fail('STAGE_OUT_ERROR', `output ${JSON.stringify(output.path)} ${rule}`, false);
  }
}

export async function collectOutputs(workDir: string, outputs: readonly StagedOutput[]): Promise<OutputFile[]> {
  const files = new Map<string, OutputFile>();
  for (const output of outputs) {
    const relative = segmentsOf(output.path).join('/');
    const absolute = resolveInside(workDir, output.path) ?? path.resolve(workDir);
    if (/[/\\]$/.test(output.path) || relative === '') {
      for (const file of await walk(absolute, relative))
        if (!files.has(file.path)) files.set(file.path, { ...file, output });
      continue;
    }
    const info = await lstat(absolute).catch(() => undefined);
    if (info === undefined)
      throw fail('STAGE_OUT_ERROR', `output ${relative} (to ${output.destination}) does not exist`, false);
    if (!info.isFile()) {
      const what = info.isDirectory()
        ? 'a directory; write the path with a trailing / to upload a directory'
        : 'not a regular file';
      throw fail('STAGE_OUT_ERROR', `output ${relative} (to ${output.destination}) is ${what}`, false);
    }
    if (!files.has(relative)) files.set(relative, { path: relative, absolute, size: info.size, output });
  }
  return [...files.values()];
}

async function walk(dir: string, relative: string): Promise<Omit<OutputFile, 'output'>[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  const found: Omit<OutputFile, 'output'>[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const absolute = path.join(dir, entry.name);
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await walk(absolute, rel)));
    else if (entry.isFile()) found.push({ path: rel, absolute, size: (await lstat(absolute)).size });
  }
  return found;
}
