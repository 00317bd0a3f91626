/**
 * The data dir as others on the host may see it. The built-in `local` environment's agents keep
 * their work dirs under `<data dir>/local-nodes/`, and their tasks run as other users, who must
 * pass through to their own work dir (so the data dir and `local-nodes` are 0711: passable, not
 * listable) and reach nothing else: the embedded database, the objects, the admin token and the
 * URL-signing key are owner-only.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Entries of the data dir, and who may open them. */
const MODES: Record<string, number> = {
  pgdata: 0o700,
  objects: 0o700,
  'objects-meta': 0o700,
  'admin-token': 0o600,
  'oss-signing-key': 0o600,
  'local-nodes': 0o711,
};

export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  if (process.platform === 'win32') return;
  chmodSync(dataDir, 0o711);
  mkdirSync(path.join(dataDir, 'local-nodes'), { recursive: true });
  for (const [name, mode] of Object.entries(MODES)) {
    const entry = path.join(dataDir, name);
    if (existsSync(entry)) chmodSync(entry, mode);
  }
}
