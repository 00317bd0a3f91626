/**
 * Relative paths that come from outside the agent — zip entry names, input and output paths —
 * become files under the work dir. A path is refused when it could name anything else, on either
 * platform: backslashes count as separators (Windows reads them so, and zips made there use
 * them), so `..\evil`, `\\server\share` and `C:\evil` are caught on Linux too.
 */
import path from 'node:path';

/** Why `name` is unsafe, as a phrase that follows it in a message; undefined when it is safe. */
export function unsafePathRule(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL character';
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('//')) return 'is a UNC path';
  if (slashed.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(slashed)) return 'has a drive letter';
  const segments = slashed.split('/');
  if (segments.includes('..')) return 'would be written outside the work dir';
  // `a/C:/b`: Windows resolves a drive segment to the current directory of that drive
  if (segments.some((s) => /^[A-Za-z]:/.test(s))) return 'has a drive letter';
  // Windows drops trailing dots and spaces from a name, so `.. ` or `...` can act as `..` there
  if (segments.some((s) => s !== '.' && /^[. ]+$/.test(s))) return 'has a segment of only dots and spaces';
  return undefined;
}

/** The segments of a safe relative path, without empty and `.` ones. */
export function segmentsOf(name: string): string[] {
  return name
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
}

/**
 * `relative` resolved under `root`, or undefined when it is unsafe or names `root` itself. The
 * final prefix check is a second line of defence behind `unsafePathRule`.
 */
export function resolveInside(root: string, relative: string): string | undefined {
  if (unsafePathRule(relative) !== undefined) return undefined;
  const base = path.resolve(root);
  const segments = segmentsOf(relative);
  if (segments.length === 0) return undefined;
  const full = path.resolve(base, ...segments);
  return full.startsWith(base + path.sep) ? full : undefined;
}
