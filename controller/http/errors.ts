/** The one error handler: typed errors become `{ error: { code, message, field? } }` responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BatchError, type ErrorCode } from '../../protocol/errors.js';
import { errorText, type Logger } from '../log.js';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  VALIDATION: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUOTA_EXCEEDED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  UNPLACEABLE: 422,
  INTERNAL: 500,
};

export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof BatchError) return c.json({ error: err.toJSON() }, STATUS[err.code]);
    if (err instanceof HTTPException) {
      const code: ErrorCode = err.status === 404 ? 'NOT_FOUND' : err.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST';
      return c.json({ error: { code, message: err.message || 'request failed' } }, err.status);
    }
    log.error(`${c.req.method} ${c.req.path}: ${errorText(err)}`);
    return c.json({ error: { code: 'INTERNAL', message: 'internal error; see the controller log' } }, 500);
  };
}
