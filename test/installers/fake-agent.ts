/** A stand-in batch-agent for installer tests: a shell script, so no build is needed. */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FAKE_VERSION = 'batch-agent 9.9.9 (protocol 9)';

/**
 * Writes an executable `batch-agent` into `dir`. `--version` prints FAKE_VERSION; otherwise it
 * writes its arguments and its BATCH_* environment to $FAKE_AGENT_OUT and exits with
 * $FAKE_AGENT_EXIT (default 0).
 */
export function writeFakeAgent(dir: string, name = 'batch-agent'): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `[ "\${1:-}" = --version ] && { echo '${FAKE_VERSION}'; exit 0; }`,
      '{ echo "args: $*"; env | grep "^BATCH_" | sort; } > "$FAKE_AGENT_OUT"',
      'echo "fake agent running"',
      'exit "${FAKE_AGENT_EXIT:-0}"',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

/** `KEY=value` lines (the fake agent's output, agent.conf) as a record. */
export function parseKeyValues(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}
