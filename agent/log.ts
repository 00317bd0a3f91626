/**
 * The agent's own log, through pino: a JSON object per line on stderr, or a readable line when
 * stderr is a terminal (protocol/log-format.ts, shared with the controller). stdout stays free
 * for `--version` / `--help`. No transports: they run in worker threads, which the single
 * executable cannot load; lines are written synchronously, so none is lost at exit.
 * Callers never pass secrets (token, credential, env values of tasks).
 */
import { pino } from 'pino';
import { loggerOptions, readableLogLine, type LogLevel } from '../protocol/log-format.js';

const logger = pino(
  loggerOptions('info'),
  process.stderr.isTTY
    ? { write: (line: string) => process.stderr.write(readableLogLine(line)) }
    : pino.destination({ dest: 2, sync: true }),
);

/** Set once the configuration is read (`BATCH_LOG_LEVEL`); until then, info. */
export function setLogLevel(level: LogLevel): void {
  logger.level = level;
}

export function log(message: string): void {
  logger.info(message);
}

/** The message of any thrown value, for a log line or a status message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
