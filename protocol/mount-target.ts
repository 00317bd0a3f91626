/**
 * Where a task may mount storage: an absolute path that is not the root, not a system directory
 * and not inside one (mounting over /etc or /usr on a shared node would replace what every other
 * task and the agent itself run on), and not the agent's own directory. Windows targets are
 * drive paths outside the system folders.
 */

/** Directories of the host that a mount may neither cover nor go inside. */
const LINUX_SYSTEM = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
  '/batch',
];
const WINDOWS_SYSTEM = ['c:/windows', 'c:/program files', 'c:/program files (x86)', 'c:/programdata', 'c:/batch'];

export function mountTargetProblem(target: string): string | undefined {
  const windows = /^[A-Za-z]:[\\/]/.test(target);
  if (!windows && !target.startsWith('/')) return 'must be an absolute path (/mnt/data, or D:\\data on Windows)';
  const parts = target.replace(/\\/g, '/').split('/');
  if (parts.some((p) => p === '..' || p === '.')) return 'must be a plain absolute path, without "." or ".." segments';
  const normal = parts.filter((p, i) => p !== '' || i === 0).join('/');
  const comparable = windows ? normal.toLowerCase() : normal;
  if (comparable === '' || /^[a-z]:$/.test(comparable)) return 'must not be the root of the file system';
  for (const system of windows ? WINDOWS_SYSTEM : LINUX_SYSTEM) {
    if (comparable === system || comparable.startsWith(`${system}/`))
      return `must not be ${system} or inside it (a system directory of the node)`;
  }
  return undefined;
}
