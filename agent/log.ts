/**
 * The agent's own log: one human-readable line per event on stderr, prefixed with an ISO time.
 * stdout stays free for `--version` / `--help`. Callers never pass secrets (token, credential).
 */
export function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

/** The message of any thrown value, for a log line or a status message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
