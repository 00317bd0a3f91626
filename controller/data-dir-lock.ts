/**
 * One controller per data dir. Its embedded database (PGlite) must never be opened by two
 * processes, and its `local` provider's hosts belong to one controller; several controllers
 * share a PostgreSQL database, each with a data dir of its own. The lock is a file holding the
 * owner's pid, made with O_EXCL; one left by a process that no longer runs is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config.js';
import { isProcessOf } from './process-check.js';

/** What the lock's holder must be running (not another process that got a dead controller's pid). */
export const CONTROLLER_PROGRAM = /batch-controller|controller[\\/]main\.js/;

export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'controller.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessOf(holder, CONTROLLER_PROGRAM))
        throw new ConfigError(
          `BATCH_DATA_DIR=${dataDir}: another controller (pid ${holder}) uses this data dir; stop it, or give this one a data dir of its own (several controllers share a PostgreSQL database through BATCH_DATABASE_URL, never a data dir)`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new ConfigError(`BATCH_DATA_DIR=${dataDir}: could not take ${file}`);
}
