/**
 * Killing a process tree on Windows where `taskkill /T` does not work: Wine's taskkill (8.x, the
 * one CI proves the Windows agent on) rejects /T. The tree is read from
 * `wmic process get ParentProcessId,ProcessId` and every process in it is terminated.
 * Only a fallback: wmic is deprecated on current Windows, where `taskkill /T` works; and like
 * taskkill /T it trusts ParentProcessId, which may name an ended process whose id was reused.
 */
import { spawn } from 'node:child_process';
import { describeError, log } from './log.js';

export interface ProcessLink {
  parent: number;
  pid: number;
}

/** wmic's table: a header line, then "<parent> <pid>" per process; UTF-16LE when not a console. */
export function parseProcessTable(output: Buffer): ProcessLink[] {
  const utf16 = (output[0] === 0xff && output[1] === 0xfe) || (output.length > 1 && output[1] === 0);
  const text = utf16 ? output.toString('utf16le').replace(/^\uFEFF/, '') : output.toString('utf8');
  const links: ProcessLink[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (match) links.push({ parent: Number(match[1]), pid: Number(match[2]) });
  }
  return links;
}

/** `root` and everything below it. */
export function treeOf(root: number, links: readonly ProcessLink[]): number[] {
  const tree = [root];
  // for-of also visits the pids pushed while it runs, which is how the walk goes down the tree.
  for (const parent of tree) {
    for (const link of links)
      if (link.parent === parent && link.pid !== link.parent && !tree.includes(link.pid)) tree.push(link.pid);
  }
  return tree;
}

export function killTreeByListing(root: number): void {
  const wmic = spawn('wmic', ['process', 'get', 'ParentProcessId,ProcessId'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    windowsHide: true,
  });
  const chunks: Buffer[] = [];
  wmic.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  wmic.on('error', (err) => log(`cannot list processes to kill the tree of ${root}: ${describeError(err)}`));
  wmic.on('close', () => {
    for (const pid of treeOf(root, parseProcessTable(Buffer.concat(chunks)))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') log(`cannot kill process ${pid}: ${describeError(err)}`);
      }
    }
  });
}
