/**
 * Unpacking a package into the work dir without trusting it. Two passes: the first reads the
 * whole central directory and refuses the zip if any entry is unsafe (see zip-entry.ts), if there
 * are too many entries or if their declared sizes add up to too much — before a single byte is
 * written. The second extracts, counting the bytes actually written, since a zip bomb can lie
 * about its sizes; yauzl also stops an entry that inflates beyond its declared size.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { formatBytes } from '../runner/setup-log.js';
import { resolveInside, segmentsOf } from './safe-path.js';
import { checkEntry } from './zip-entry.js';

export interface UnzipLimits {
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = { maxEntries: 10_000, maxBytes: 1024 ** 3 };

/** The zip is unsafe or unreadable; the message names the entry and the rule. */
export class ZipRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipRefused';
  }
}

export interface Unpacked {
  files: number;
  directories: number;
  bytes: number;
}

interface PlannedEntry {
  entry: Entry;
  name: string;
  target: string;
  kind: 'file' | 'directory';
  executable: boolean;
}

export async function unzipSafely(zipPath: string, destination: string, limits: UnzipLimits): Promise<Unpacked> {
  let zip: ZipFile;
  try {
    // decodeStrings off: yauzl would reject bad names with its own wording; we check them ourselves
    zip = await yauzl.openPromise(zipPath, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
    });
  } catch (err) {
    throw new ZipRefused(`is not a readable zip: ${(err as Error).message}`);
  }
  try {
    const plan = await planEntries(zip, destination, limits);
    return await extract(zip, plan, limits);
  } finally {
    zip.close();
  }
}

async function planEntries(zip: ZipFile, destination: string, limits: UnzipLimits): Promise<PlannedEntry[]> {
  const tooMany = (n: number) =>
    new ZipRefused(`has ${n} entries, more than the limit of ${limits.maxEntries} (--package-max-entries)`);
  const tooBig = () =>
    new ZipRefused(`unpacks to more than the limit of ${formatBytes(limits.maxBytes)} (--package-max-bytes)`);
  if (zip.entryCount > limits.maxEntries) throw tooMany(zip.entryCount);
  const plan: PlannedEntry[] = [];
  let declaredBytes = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (plan.length >= limits.maxEntries) throw tooMany(plan.length + 1);
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      // quoted as JSON: a name with a newline must not forge a line of its own in the log
      const refuse = (rule: string) => new ZipRefused(`entry ${JSON.stringify(name)} ${rule}`);
      const check = checkEntry(name, entry.externalFileAttributes);
      if ('refused' in check) throw refuse(check.refused);
      if (entry.isEncrypted()) throw refuse('is encrypted');
      const target = resolveInside(destination, name);
      if (check.kind === 'directory') {
        if (target !== undefined) plan.push({ entry, name, target, kind: 'directory', executable: false });
        continue;
      }
      if (target === undefined)
        throw refuse(segmentsOf(name).length === 0 ? 'has no file name' : 'would be written outside the work dir');
      if (!entry.canDecodeFileData())
        throw refuse(`uses compression method ${entry.compressionMethod}, which cannot be unpacked`);
      declaredBytes += entry.uncompressedSize;
      if (declaredBytes > limits.maxBytes) throw tooBig();
      plan.push({ entry, name, target, kind: 'file', executable: check.executable });
    }
  } catch (err) {
    if (err instanceof ZipRefused) throw err;
    throw new ZipRefused(`is not a readable zip: ${(err as Error).message}`);
  }
  return plan;
}

async function extract(zip: ZipFile, plan: readonly PlannedEntry[], limits: UnzipLimits): Promise<Unpacked> {
  const done: Unpacked = { files: 0, directories: 0, bytes: 0 };
  for (const item of plan) {
    if (item.kind === 'directory') {
      await mkdir(item.target, { recursive: true });
      done.directories += 1;
      continue;
    }
    await mkdir(path.dirname(item.target), { recursive: true });
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        // checked before the write, so the work dir never holds more than the limit
        if (done.bytes + chunk.byteLength > limits.maxBytes) {
          next(
            new ZipRefused(
              `unpacks to more than the limit of ${formatBytes(limits.maxBytes)} (--package-max-bytes), at entry ${JSON.stringify(item.name)}`,
            ),
          );
          return;
        }
        done.bytes += chunk.byteLength;
        next(null, chunk);
      },
    });
    try {
      const data = await zip.openReadStreamPromise(item.entry);
      await pipeline(data, limit, createWriteStream(item.target, { mode: item.executable ? 0o755 : 0o644 }));
    } catch (err) {
      await rm(item.target, { force: true });
      if (err instanceof ZipRefused || isFileSystemError(err)) throw err;
      // inflate errors and "too many bytes in the stream": the entry's data is not what it claims
      throw new ZipRefused(`entry ${JSON.stringify(item.name)} cannot be unpacked: ${(err as Error).message}`);
    }
    done.files += 1;
  }
  return done;
}

/** A failed write (disk full, permissions) is the node's problem, not the zip's. */
function isFileSystemError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'syscall' in err;
}
