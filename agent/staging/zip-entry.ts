/**
 * What a zip entry is, from its name and its external attributes. Unix zips keep the file mode
 * in the high 16 bits; only regular files and directories are unpacked. A symlink entry is the
 * classic way to make a later entry write through it to anywhere on the node, and devices, fifos
 * and sockets have no business in a package.
 */
import { unsafePathRule } from './safe-path.js';

const S_IFMT = 0o170000;
const TYPES: Record<number, string> = {
  0o010000: 'fifo',
  0o020000: 'character device',
  0o040000: 'directory',
  0o060000: 'block device',
  0o100000: 'regular file',
  0o120000: 'symbolic link',
  0o140000: 'socket',
};
const MSDOS_DIRECTORY = 0x10;

export type EntryCheck = { kind: 'file'; executable: boolean } | { kind: 'directory' } | { refused: string };

export function checkEntry(name: string, externalFileAttributes: number): EntryCheck {
  const unsafe = unsafePathRule(name);
  if (unsafe !== undefined) return { refused: unsafe };
  const mode = (externalFileAttributes >>> 16) & 0xffff;
  const type = mode & S_IFMT;
  const namedAsDirectory = /[/\\]$/.test(name);
  if (type === 0o120000) return { refused: 'is a symbolic link' };
  if (type === 0o040000) return { kind: 'directory' };
  if (type === 0o100000 || type === 0) {
    if (namedAsDirectory || (type === 0 && (externalFileAttributes & MSDOS_DIRECTORY) !== 0))
      return { kind: 'directory' };
    return { kind: 'file', executable: (mode & 0o111) !== 0 };
  }
  return { refused: `is a ${TYPES[type] ?? `file of type 0o${type.toString(8)}`}, not a regular file or directory` };
}
