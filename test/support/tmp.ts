/** Temporary directories that remove themselves when the test that made them ends. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of a tap Test this needs, so helpers stay independent of the runner's types. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export function tmpDir(t: Teardown, prefix = 'batch-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A temporary directory tasks may write to: they run as users of their own (the agent's task
 * isolation), so a directory the test shares with them must be open to everyone (1777, like
 * /tmp itself). The test, as root or as the agent's user, reads what they left.
 */
export function sharedTmpDir(t: Teardown, prefix = 'batch-shared-'): string {
  const dir = tmpDir(t, prefix);
  chmodSync(dir, 0o1777);
  return dir;
}
