/**
 * Packages are cached on the node by digest under `<agentDir>/cache/packages/`, so the N
 * instances of a task on one node download their package once, including when they start at the
 * same moment (one download in flight per digest, the others wait for it). A file enters the
 * cache only after its size, and its sha256 when the digest is one, have been checked: a
 * mismatch caches nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StagedPackage } from '../../protocol/messages.js';
import { fail } from '../runner/failure.js';
import { download, TransferError } from './download.js';

export interface CachedPackage {
  file: string;
  bytes: number;
  /** How this caller got it: its own download, one already in the cache, or another attempt's download. */
  via: 'download' | 'cache' | 'shared download';
  check: 'sha256 ok' | 'size ok';
}

/**
 * The cache file name for a package, or undefined for a digest this agent does not understand.
 * A sha256 names content, so it is shared by every object with that content. An ETag only
 * identifies a version of one object (and an MD5 one can be forged), so it is scoped to the
 * source and size, hashed into a name that is safe on every file system.
 */
export function cacheNameOf(pkg: Pick<StagedPackage, 'digest' | 'source' | 'size'>): string | undefined {
  const sha = /^sha256:([0-9a-fA-F]{64})$/.exec(pkg.digest);
  if (sha !== null) return `sha256-${sha[1]!.toLowerCase()}.zip`;
  if (/^etag:.+/s.test(pkg.digest)) {
    const key = createHash('sha256').update(`${pkg.source}\n${pkg.size}\n${pkg.digest}`).digest('hex');
    return `etag-${key}.zip`;
  }
  return undefined;
}

export class PackageCache {
  readonly dir: string;
  readonly #inFlight = new Map<string, Promise<CachedPackage>>();

  constructor(agentDir: string) {
    this.dir = path.join(agentDir, 'cache', 'packages');
  }

  /**
   * The package's file in the cache, downloaded if needed. `signal` only stops this caller's
   * wait: the download itself goes on for the other attempts that share it.
   */
  async get(pkg: StagedPackage, signal: AbortSignal): Promise<CachedPackage> {
    const name = cacheNameOf(pkg);
    if (name === undefined)
      throw fail('PACKAGE_ERROR', `package ${pkg.source}: unsupported digest "${pkg.digest}"`, false);
    const running = this.#inFlight.get(name);
    if (running !== undefined)
      return untilAborted(
        running.then((p) => ({ ...p, via: p.via === 'download' ? 'shared download' : p.via })),
        signal,
      );
    const obtained = this.#obtain(pkg, name).finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, obtained);
    return untilAborted(obtained, signal);
  }

  async #obtain(pkg: StagedPackage, name: string): Promise<CachedPackage> {
    const file = path.join(this.dir, name);
    const check = pkg.digest.startsWith('sha256:') ? 'sha256 ok' : 'size ok';
    const cached = await stat(file).catch(() => undefined);
    if (cached?.isFile() && cached.size === pkg.size) return { file, bytes: cached.size, via: 'cache', check };

    await mkdir(this.dir, { recursive: true });
    const part = `${file}.${randomUUID()}.part`;
    try {
      const got = await download(pkg.url, part, { maxBytes: pkg.size }).catch((err: unknown) => {
        if (err instanceof TransferError)
          throw fail('PACKAGE_ERROR', `package ${pkg.source}: download failed: ${err.message}`, err.retryable);
        throw err;
      });
      if (got.bytes !== pkg.size)
        throw fail(
          'PACKAGE_ERROR',
          `package ${pkg.source}: size mismatch: expected ${pkg.size} B, downloaded ${got.bytes} B`,
          false,
        );
      const expected = pkg.digest.slice('sha256:'.length).toLowerCase();
      if (check === 'sha256 ok' && got.sha256 !== expected) {
        throw fail(
          'PACKAGE_ERROR',
          `package ${pkg.source}: sha256 mismatch: expected ${expected}, downloaded ${got.sha256}`,
          false,
        );
      }
      await rename(part, file);
      return { file, bytes: got.bytes, via: 'download', check };
    } finally {
      await rm(part, { force: true });
    }
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
