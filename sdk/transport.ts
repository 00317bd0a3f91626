/**
 * The plumbing under every BatchClient method: URL building, the bearer token, JSON bodies, and
 * turning failures into ApiRequestError / ConnectionError. Knows nothing about resources.
 */
import { apiErrorFromResponse, ConnectionError, systemErrorCode } from './errors.js';
import { chunksOf } from './byte-stream.js';
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

export class Transport {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.token = options.token;
    // A browser's fetch throws "Illegal invocation" when called as a method of another object.
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => fetchImpl(input, init);
  }

  /** Sends a request and returns the parsed JSON body (undefined for 204 No Content). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options, 'application/json');
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** Sends a request whose answer has no body (DELETE → 204). */
  async empty(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    const response = await this.send(method, path, options, 'application/json');
    await response.body?.cancel();
  }

  /** Sends a GET and returns the body as chunks, as they arrive. */
  async stream(path: string, options: RequestOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.send('GET', path, options, 'text/plain');
    if (!response.body) return noChunks();
    return this.connectionErrorsOf(chunksOf(response.body), options.signal);
  }

  private async send(method: string, path: string, options: RequestOptions, accept: string): Promise<Response> {
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
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path + queryString(options.query), init);
    } catch (error) {
      throw this.asConnectionError(error, options.signal);
    }
    if (!response.ok) throw await apiErrorFromResponse(response);
    return response;
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
    // The caller's own abort is not a connection failure; let it surface as the AbortError it is.
    if (signal?.aborted) return error;
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
