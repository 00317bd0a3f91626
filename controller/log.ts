/**
 * The controller's own log: one human-readable line per event on stderr, at or above the level
 * `BATCH_LOG_LEVEL` names (debug, info, warn, error; default info). Never pass secrets.
 */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function levelFromEnv(value: string | undefined): Level {
  return (LEVELS as readonly string[]).includes(value ?? '') ? (value as Level) : 'info';
}

export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(l),
  minimum: Level = levelFromEnv(process.env.BATCH_LOG_LEVEL),
): Logger {
  const threshold = LEVELS.indexOf(minimum);
  const emit = (level: Level, message: string) => {
    if (LEVELS.indexOf(level) >= threshold)
      write(`${new Date().toISOString()} ${level.padEnd(5)} ${component}: ${message}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * An error for the log: its stack where it has one (a bug needs the frames), else its text. A
 * failed query is told by its SQL and its cause, never its parameters: they are users' data
 * (env values, tokens' hashes, commands), which the log must not hold.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (isQueryError(err)) {
    const frames = (err.stack ?? '').split('\n').filter((line) => line.startsWith('    at '));
    const sql = err.query.replace(/\s+/g, ' ').slice(0, 200);
    const cause = err.cause instanceof Error ? err.cause.message : 'unknown cause';
    return [`query failed: ${cause} (in: ${sql})`, ...frames].join('\n');
  }
  return err.stack ?? err.message;
}

/** drizzle's DrizzleQueryError, recognised by shape so the log needs no drizzle import. */
function isQueryError(err: Error): err is Error & { query: string; params: unknown } {
  return 'query' in err && typeof err.query === 'string' && 'params' in err;
}
