/**
 * The one log format of the controller and the agent (both log through pino): a JSON object per
 * line when stderr is a file or a pipe (journald, a log shipper), a readable line on a terminal.
 * Pure — no Node APIs — so both sides share it; each passes its own stderr in.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `BATCH_LOG_LEVEL`, checked: unset is `info`; anything else must be one of LOG_LEVELS. */
export function parseLogLevel(value: string | undefined): LogLevel | { error: string } {
  if (value === undefined || value === '') return 'info';
  const level = value.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  return { error: `BATCH_LOG_LEVEL=${value}: must be one of ${LOG_LEVELS.join(', ')}` };
}

/**
 * pino's options, the same on both sides: ISO times, level names (not numbers), and no pid or
 * host name on every line (a node's log is on that node; the controller's is the controller's).
 */
export function loggerOptions(level: LogLevel) {
  return {
    level,
    base: null,
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}

/** Fields every line has, printed in place rather than as `key=value`. */
const FIXED = new Set(['time', 'level', 'component', 'msg']);

/** One JSON log line as a person reads it: `TIME LEVEL component: message key=value …`. */
export function readableLogLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const level = text(record.level ?? '').padEnd(5);
  const component = record.component === undefined ? '' : `${text(record.component)}: `;
  const fields = Object.entries(record)
    .filter(([key]) => !FIXED.has(key))
    .map(([key, value]) => ` ${key}=${text(value)}`)
    .join('');
  return `${text(record.time ?? '')} ${level} ${component}${text(record.msg ?? '')}${fields}\n`;
}
