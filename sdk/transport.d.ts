import type { ClientOptions } from './types.js';
export type Query = Record<string, string | number | boolean | undefined>;
interface RequestOptions {
    query?: Query;
    body?: unknown;
    /** Raw bytes or a stream, sent as application/octet-stream instead of JSON. */
    raw?: BodyInit;
    headers?: Record<string, string>;
    signal?: AbortSignal;
}
export declare class Transport {
    readonly baseUrl: string;
    private readonly token;
    private readonly fetchImpl;
    constructor(options: ClientOptions);
    /** Sends a request and returns the parsed JSON body (undefined for 204 No Content). */
    json<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
    /** Sends a request whose answer has no body (DELETE → 204). */
    empty(method: string, path: string, options?: RequestOptions): Promise<void>;
    /** Sends a GET and returns the body as chunks, as they arrive. */
    stream(path: string, options?: RequestOptions): Promise<AsyncIterable<Uint8Array>>;
    private send;
    /** A stream cut mid-way (controller restarted) is a connection failure too, not a bare TypeError. */
    private connectionErrorsOf;
    private asConnectionError;
}
/** Encodes one path segment (ids and names never contain `/`, but a user may type anything). */
export declare function segment(value: string | number): string;
export {};
