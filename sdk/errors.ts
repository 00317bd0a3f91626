/**
 * The two ways a request can fail, as typed values a caller can branch on: the controller answered
 * with an error (`ApiRequestError`), or it could not be reached at all (`ConnectionError`).
 */

/** One problem in a rejected request, when the controller found more than one. */
export interface ErrorDetail {
  field: string;
  message: string;
}

/** The controller answered with a non-2xx status; fields come from its `{ error: {...} }` body. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';

  constructor(
    readonly status: number,
    /** One of protocol/errors.ts `ERROR_CODES`, or `HTTP_<status>` when the body was not the API's. */
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

/** The request never got an HTTP answer: refused, unresolvable host, reset, TLS failure… */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  /** What went wrong, from the innermost error (fetch's own message is only "fetch failed"). */
  readonly reason: string;

  constructor(
    /** The controller's base URL, as given to the client. */
    readonly url: string,
    /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, …). */
    readonly causeCode: string | undefined,
    cause: unknown,
  ) {
    const reason = innermostMessage(cause);
    super(`cannot reach ${url}: ${reason}`, { cause });
    this.reason = reason;
  }
}

/**
 * The call's `timeoutMs` ran out before an answer came (retries included). Distinct from the
 * caller's own abort, which surfaces as the `AbortError` (or the reason) the caller gave.
 */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(
    readonly method: string,
    /** The URL of the request, query included. */
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${url}: no answer within ${timeoutMs} ms`);
  }
}

/** `waitForJob` gave up: the job did not reach the awaited state in time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';

  constructor(
    readonly jobId: string,
    /** The state the job was last seen in. */
    readonly lastState: string,
    readonly timeoutMs: number,
  ) {
    super(`job ${jobId} did not finish within ${timeoutMs} ms; it was last seen ${lastState}`);
  }
}

/** Builds the error for a non-2xx response, whatever its body turns out to be. */
export async function apiErrorFromResponse(response: Response): Promise<ApiRequestError> {
  const text = await response.text().catch(() => '');
  const body = parseJson(text);
  if (isApiErrorBody(body)) {
    const { code, message, field, details } = body.error;
    return new ApiRequestError(response.status, code, message, field, details);
  }
  // A proxy or a crashed handler may answer with HTML or plain text; keep a short excerpt of it.
  const excerpt = text.trim().slice(0, 200);
  const message = `HTTP ${response.status} ${response.statusText}`.trim() + (excerpt ? `: ${excerpt}` : '');
  return new ApiRequestError(response.status, `HTTP_${response.status}`, message);
}

/**
 * fetch reports every network failure as `TypeError: fetch failed` with the system error in
 * `cause` (an AggregateError when several addresses were tried); dig out its code.
 */
export function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    const nested = (current as { errors?: unknown }).errors;
    current = Array.isArray(nested) && nested.length > 0 ? nested[0] : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isApiErrorBody(
  body: unknown,
): body is { error: { code: string; message: string; field?: string; details?: ErrorDetail[] } } {
  if (body === null || typeof body !== 'object') return false;
  const error = (body as { error?: unknown }).error;
  return (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
