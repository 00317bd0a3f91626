/** Temporary directories that remove themselves when the test that made them ends. */
import { mkdtempSync, rmSync } from 'node:fs';
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
