/**
 * The plumbing under every BatchClient method: URL building, the bearer token, JSON bodies,
 * time limits and retries (types.ts, `CallOptions`), and turning failures into ApiRequestError /
 * ConnectionError / RequestTimeoutError. Knows nothing about resources.
 */
import { ApiRequestError, apiErrorFromResponse, ConnectionError, systemErrorCode } from './errors.js';
import { chunksOf } from './byte-stream.js';
import { Deadline, sleep } from './deadline.js';
import { backoffMs, isRetryableStatus, retryAfterMs, retryPolicy } from './retry.js';
import type { CallOptions, ClientOptions, RetryOptions } from './types.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions extends CallOptions {
  query?: Query;
  body?: unknown;
  /** Raw bytes or a stream, sent as application/octet-stream instead of JSON. */
  raw?: BodyInit;
  headers?: Record<string, string>;
  /** Whether sending the request twice does no more than sending it once (default: by method). */
  idempotent?: boolean;
}

/** Methods that HTTP defines as safe to repeat. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export class Transport {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number | undefined;
  private readonly retries: Partial<RetryOptions> | false | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs;
    this.retries = options.retries;
    retryPolicy(this.retries, undefined); // a bad setting fails here, not at the first retry
    // A browser's fetch throws "Illegal invocation" when called as a method of another object.
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => fetchImpl(input, init);
  }

  /** Sends a request and returns the parsed JSON body (undefined for 204 No Content). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { response, deadline } = await this.send(method, path, options, 'application/json');
    try {
      if (response.status === 204) return undefined as T;
      return (await response.json()) as T;
    } finally {
      deadline.stop();
    }
  }

  /** Sends a request and returns its status with the parsed JSON body. */
  async jsonWithStatus<T>(method: string, path: string, options: RequestOptions = {}): Promise<[number, T]> {
    const { response, deadline } = await this.send(method, path, options, 'application/json');
    try {
      return [response.status, (await response.json()) as T];
    } finally {
      deadline.stop();
    }
  }

  /** Sends a request whose answer has no body (DELETE → 204). */
  async empty(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    const { response, deadline } = await this.send(method, path, options, 'application/json');
    deadline.stop();
    await response.body?.cancel();
  }

  /**
   * Sends a GET and returns the body as chunks, as they arrive. The time limit covers only the
   * wait for the response to begin: a followed log may rightly stay open for hours.
   */
  async stream(path: string, options: RequestOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const { response, deadline } = await this.send('GET', path, options, 'text/plain');
    deadline.stop();
    if (!response.body) return noChunks();
    return this.connectionErrorsOf(chunksOf(response.body), deadline.signal);
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    accept: string,
  ): Promise<{ response: Response; deadline: Deadline }> {
    const url = this.baseUrl + path + queryString(options.query);
    const deadline = new Deadline(method, url, options.timeoutMs ?? this.timeoutMs, options.signal);
    const init = this.requestInit(method, options, accept);
    if (deadline.signal) init.signal = deadline.signal;
    // A streamed body is consumed by the first try: there is nothing left to send again.
    const resendable = !(typeof ReadableStream !== 'undefined' && options.raw instanceof ReadableStream);
    const policy = retryPolicy(this.retries, options.retries);
    const attempts = (options.idempotent ?? IDEMPOTENT_METHODS.has(method)) && resendable ? policy.attempts : 1;
    try {
      for (let attempt = 1; ; attempt++) {
        const last = attempt >= attempts;
        let response: Response;
        try {
          response = await this.fetchImpl(url, init);
        } catch (error) {
          const failure = this.asConnectionError(error, deadline.signal);
          if (last || !(failure instanceof ConnectionError)) throw failure;
          await sleep(backoffMs(policy, attempt), deadline.signal);
          continue;
        }
        if (response.ok) return { response, deadline };
        const error = await apiErrorFromResponse(response);
        if (last || !isRetryableStatus(response.status)) throw error;
        const asked = retryAfterMs(response.headers.get('retry-after'));
        // Asked to wait longer than we are willing to: the caller hears "not now" at once.
        if (asked !== undefined && asked > policy.maxMs) throw error;
        await sleep(asked ?? backoffMs(policy, attempt), deadline.signal);
      }
    } catch (error) {
      deadline.stop();
      throw error;
    }
  }

  private requestInit(method: string, options: RequestOptions, accept: string): RequestInit & { duplex?: 'half' } {
    const headers: Record<string, string> = { accept };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    Object.assign(headers, options.headers);
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    } else if (options.raw !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      init.body = options.raw;
      // A streamed request body needs this in Node's fetch (and in browsers that stream uploads).
      if (typeof ReadableStream !== 'undefined' && options.raw instanceof ReadableStream) init.duplex = 'half';
    }
    return init;
  }

  /** A stream cut mid-way (controller restarted) is a connection failure too, not a bare TypeError. */
  private async *connectionErrorsOf(
    chunks: AsyncIterable<Uint8Array>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks;
    } catch (error) {
      throw this.asConnectionError(error, signal);
    }
  }

  private asConnectionError(error: unknown, signal: AbortSignal | undefined): unknown {
    // An abort — the caller's own or the time limit's — is not a connection failure: its reason
    // (the caller's AbortError, or a RequestTimeoutError) surfaces as it is.
    if (signal?.aborted) return signal.reason ?? error;
    if (error instanceof ApiRequestError) return error;
    return new ConnectionError(this.baseUrl, systemErrorCode(error), error);
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-function -- an empty body is the point: a stream with no chunks
async function* noChunks(): AsyncGenerator<Uint8Array> {}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Encodes one path segment (ids and names never contain `/`, but a user may type anything). */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}
