/** The task's package: fetched through the node's cache, unpacked safely into the work dir. */
import type { StagedPackage } from '../../protocol/messages.js';
import { describeError } from '../log.js';
import type { PackageCache } from '../staging/package-cache.js';
import { unzipSafely, ZipRefused, type UnzipLimits } from '../staging/unzip.js';
import { fail } from './failure.js';
import type { AttemptHook } from './hook.js';
import { formatBytes, type Say } from './setup-log.js';

export interface PackageHookOptions {
  pkg: StagedPackage | undefined;
  workDir: string;
  cache: PackageCache;
  limits: UnzipLimits;
  say: Say;
}

const HOW: Record<'download' | 'cache' | 'shared download', (size: string) => string> = {
  download: (size) => `downloaded ${size}`,
  cache: (size) => `${size} from the node's cache`,
  'shared download': (size) => `downloaded ${size} once for this and another attempt on the node`,
};

export function packageHook({ pkg, workDir, cache, limits, say }: PackageHookOptions): AttemptHook {
  return {
    name: 'package',
    async prepare(signal) {
      if (pkg === undefined) return;
      const got = await cache.get(pkg, signal);
      let unpacked;
      try {
        unpacked = await unzipSafely(got.file, workDir, limits);
      } catch (err) {
        if (err instanceof ZipRefused) throw fail('PACKAGE_ERROR', `package ${pkg.source}: ${err.message}`, false);
        throw fail(
          'PACKAGE_ERROR',
          `package ${pkg.source}: cannot unpack into the work dir: ${describeError(err)}`,
          true,
        );
      }
      say(
        `package ${pkg.source}: ${HOW[got.via](formatBytes(got.bytes))}, ${got.check}, ${unpacked.files} ${unpacked.files === 1 ? 'file' : 'files'} unpacked (${formatBytes(unpacked.bytes)})`,
      );
    },
  };
}
