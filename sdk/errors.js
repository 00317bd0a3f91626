/**
 * The two ways a request can fail, as typed values a caller can branch on: the controller answered
 * with an error (`ApiRequestError`), or it could not be reached at all (`ConnectionError`).
 */
/** The controller answered with a non-2xx status; fields come from its `{ error: {...} }` body. */
export class ApiRequestError extends Error {
    status;
    code;
    field;
    details;
    name = 'ApiRequestError';
    constructor(status, 
    /** One of protocol/errors.ts `ERROR_CODES`, or `HTTP_<status>` when the body was not the API's. */
    code, message, field, details) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
        this.details = details;
    }
}
/** The request never got an HTTP answer: refused, unresolvable host, reset, TLS failure… */
export class ConnectionError extends Error {
    url;
    causeCode;
    name = 'ConnectionError';
    /** What went wrong, from the innermost error (fetch's own message is only "fetch failed"). */
    reason;
    constructor(
    /** The controller's base URL, as given to the client. */
    url, 
    /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, …). */
    causeCode, cause) {
        const reason = innermostMessage(cause);
        super(`cannot reach ${url}: ${reason}`, { cause });
        this.url = url;
        this.causeCode = causeCode;
        this.reason = reason;
    }
}
/** Builds the error for a non-2xx response, whatever its body turns out to be. */
export async function apiErrorFromResponse(response) {
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
export function systemErrorCode(error) {
    let current = error;
    for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
        const code = current.code;
        if (typeof code === 'string' && /^E[A-Z_]+$/.test(code))
            return code;
        const nested = current.errors;
        current = Array.isArray(nested) && nested.length > 0 ? nested[0] : current.cause;
    }
    return undefined;
}
function innermostMessage(error) {
    let current = error;
    while (current instanceof Error && current.cause instanceof Error)
        current = current.cause;
    return current instanceof Error ? current.message : String(current);
}
function parseJson(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
function isApiErrorBody(body) {
    if (body === null || typeof body !== 'object')
        return false;
    const error = body.error;
    return (error !== null &&
        typeof error === 'object' &&
        typeof error.code === 'string' &&
        typeof error.message === 'string');
}
//# sourceMappingURL=errors.js.map