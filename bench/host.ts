/** What the results were measured on, recorded beside them. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ROOT } from './paths.js';

export function describeHost(postgresVersion: string | undefined): Record<string, string | number> {
  const cpus = os.cpus();
  const host: Record<string, string | number> = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    kernel: os.release(),
    node: process.version,
    postgres: postgresVersion ?? 'not available',
    openFilesLimit: openFilesLimit() ?? '?',
    load1AtStart: Number(os.loadavg()[0]!.toFixed(2)),
  };
  const commit = git(['rev-parse', '--short', 'HEAD']);
  if (commit)
    host.commit = `${commit}${git(['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : ''}`;
  return host;
}

/** The soft RLIMIT_NOFILE this process (and so every process it starts) has. */
export function openFilesLimit(): number | undefined {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
