/** The one error handler: typed errors become `{ error: { code, message, field? } }` responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BatchError, type ErrorCode } from '../../protocol/errors.js';
import { errorText, type Logger } from '../log.js';
import type { Metrics } from '../metrics/instruments.js';
import { DEFAULT_QUOTAS } from '../quotas.js';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  VALIDATION: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUOTA_EXCEEDED: 403,
  NOT_FOUND: 404,
  GONE: 410,
  CONFLICT: 409,
  IDEMPOTENT_PARAMETER_MISMATCH: 409,
  TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  UNPLACEABLE: 422,
  INTERNAL: 500,
};

export function errorHandler(log: Logger, metrics?: Metrics) {
  return (err: Error, c: Context) => {
    if (err instanceof BatchError) {
      if (err.code === 'QUOTA_EXCEEDED') metrics?.quotaRefusals.inc({ quota: quotaNamed(err.message) });
      return c.json({ error: err.toJSON() }, STATUS[err.code]);
    }
    if (err instanceof HTTPException) {
      const code: ErrorCode = err.status === 404 ? 'NOT_FOUND' : err.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST';
      return c.json({ error: { code, message: err.message || 'request failed' } }, err.status);
    }
    log.error(`${c.req.method} ${c.req.path}: ${errorText(err)}`);
    return c.json({ error: { code: 'INTERNAL', message: 'internal error; see the controller log' } }, 500);
  };
}

/** The quota a refusal names (every quota message says `quota "NAME"`), from the closed set. */
function quotaNamed(message: string): string {
  const name = /quota "(\w+)"/.exec(message)?.[1];
  return name !== undefined && name in DEFAULT_QUOTAS ? name : 'other';
}
