/**
 * The controller's own log, through pino: a JSON object per line on stderr (a readable line when
 * stderr is a terminal, protocol/log-format.ts), at or above `BATCH_LOG_LEVEL` (debug, info, warn,
 * error; default info). Each part logs as a `component`; `fields` become keys of the line.
 * Never pass secrets: tokens, header values, request bodies, env values of tasks.
 */
import { pino } from 'pino';
import { loggerOptions, readableLogLine, type LogLevel } from '../protocol/log-format.js';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

let root: pino.Logger | undefined;

/** Sets the level of every logger created from now on (main calls it once config is read). */
export function configureLogging(level: LogLevel): void {
  root = pino(loggerOptions(level), destination());
}

function destination(): pino.DestinationStream {
  // Synchronous: a line is on disk before a crash or process.exit, and no worker thread is needed.
  if (!process.stderr.isTTY) return pino.destination({ dest: 2, sync: true });
  return { write: (line: string) => process.stderr.write(readableLogLine(line)) };
}

export function createLogger(component: string): Logger {
  root ??= pino(loggerOptions('info'), destination());
  const child = root.child({ component });
  return {
    debug: (m, f) => child.debug(f ?? {}, m),
    info: (m, f) => child.info(f ?? {}, m),
    warn: (m, f) => child.warn(f ?? {}, m),
    error: (m, f) => child.error(f ?? {}, m),
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
