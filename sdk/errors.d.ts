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
export declare class ApiRequestError extends Error {
    readonly status: number;
    /** One of protocol/errors.ts `ERROR_CODES`, or `HTTP_<status>` when the body was not the API's. */
    readonly code: string;
    readonly field?: string | undefined;
    readonly details?: ErrorDetail[] | undefined;
    readonly name = "ApiRequestError";
    constructor(status: number, 
    /** One of protocol/errors.ts `ERROR_CODES`, or `HTTP_<status>` when the body was not the API's. */
    code: string, message: string, field?: string | undefined, details?: ErrorDetail[] | undefined);
}
/** The request never got an HTTP answer: refused, unresolvable host, reset, TLS failure… */
export declare class ConnectionError extends Error {
    /** The controller's base URL, as given to the client. */
    readonly url: string;
    /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, …). */
    readonly causeCode: string | undefined;
    readonly name = "ConnectionError";
    /** What went wrong, from the innermost error (fetch's own message is only "fetch failed"). */
    readonly reason: string;
    constructor(
    /** The controller's base URL, as given to the client. */
    url: string, 
    /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, …). */
    causeCode: string | undefined, cause: unknown);
}
/** Builds the error for a non-2xx response, whatever its body turns out to be. */
export declare function apiErrorFromResponse(response: Response): Promise<ApiRequestError>;
/**
 * fetch reports every network failure as `TypeError: fetch failed` with the system error in
 * `cause` (an AggregateError when several addresses were tried); dig out its code.
 */
export declare function systemErrorCode(error: unknown): string | undefined;
