/**
 * Turns any error that reaches main into the line printed after `batchctl: ` and an exit code.
 * Expected failures get one clear sentence; only a bug (anything unrecognised) shows a stack.
 */
import { ApiRequestError, ConnectionError } from '../sdk/index.js';
import { CliError, EXIT } from './errors.js';

export interface ErrorReport {
  message: string;
  exitCode: number;
  /** Extra lines (one per problem when the controller found several). */
  details: string[];
}

const CONNECTION_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
};

export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode, details: [] };
  if (error instanceof ConnectionError) {
    const cause = error.causeCode ? (CONNECTION_CAUSES[error.causeCode] ?? error.reason) : error.reason;
    return {
      message: `cannot reach the controller at ${error.url}: ${cause} (is batch-controller running? set BATCH_URL)`,
      exitCode: EXIT.unreachable,
      details: [],
    };
  }
  if (error instanceof ApiRequestError) return describeApiError(error);
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { message: `unexpected error: ${stack}`, exitCode: EXIT.failed, details: [] };
}

function describeApiError(error: ApiRequestError): ErrorReport {
  if (error.status === 401) {
    return {
      message:
        "the controller rejected the token (set BATCH_TOKEN to a token from 'make run' or 'batchctl tokens create')",
      exitCode: EXIT.unauthenticated,
      details: [],
    };
  }
  // Validation messages already start with the field ("tasks[0].command: …"); don't say it twice.
  const namesField = error.field !== undefined && !error.message.startsWith(`${error.field}:`);
  const message = namesField ? `${error.message} (field: ${error.field})` : error.message;
  const details = (error.details ?? []).slice(1).map((d) => `  ${d.field}: ${d.message}`);
  return { message, exitCode: EXIT.failed, details };
}
