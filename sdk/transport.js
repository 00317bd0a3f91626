/**
 * The plumbing under every BatchClient method: URL building, the bearer token, JSON bodies, and
 * turning failures into ApiRequestError / ConnectionError. Knows nothing about resources.
 */
import { apiErrorFromResponse, ConnectionError, systemErrorCode } from './errors.js';
import { chunksOf } from './byte-stream.js';
export class Transport {
    baseUrl;
    token;
    fetchImpl;
    constructor(options) {
        this.baseUrl = options.url.replace(/\/+$/, '');
        this.token = options.token;
        // A browser's fetch throws "Illegal invocation" when called as a method of another object.
        const fetchImpl = options.fetch ?? globalThis.fetch;
        this.fetchImpl = (input, init) => fetchImpl(input, init);
    }
    /** Sends a request and returns the parsed JSON body (undefined for 204 No Content). */
    async json(method, path, options = {}) {
        const response = await this.send(method, path, options, 'application/json');
        if (response.status === 204)
            return undefined;
        return (await response.json());
    }
    /** Sends a request whose answer has no body (DELETE → 204). */
    async empty(method, path, options = {}) {
        const response = await this.send(method, path, options, 'application/json');
        await response.body?.cancel();
    }
    /** Sends a GET and returns the body as chunks, as they arrive. */
    async stream(path, options = {}) {
        const response = await this.send('GET', path, options, 'text/plain');
        if (!response.body)
            return noChunks();
        return this.connectionErrorsOf(chunksOf(response.body), options.signal);
    }
    async send(method, path, options, accept) {
        const headers = { accept };
        if (this.token !== undefined)
            headers.authorization = `Bearer ${this.token}`;
        Object.assign(headers, options.headers);
        const init = { method, headers };
        if (options.body !== undefined) {
            headers['content-type'] = 'application/json';
            init.body = JSON.stringify(options.body);
        }
        else if (options.raw !== undefined) {
            headers['content-type'] = 'application/octet-stream';
            init.body = options.raw;
            // A streamed request body needs this in Node's fetch (and in browsers that stream uploads).
            if (typeof ReadableStream !== 'undefined' && options.raw instanceof ReadableStream)
                init.duplex = 'half';
        }
        if (options.signal)
            init.signal = options.signal;
        let response;
        try {
            response = await this.fetchImpl(this.baseUrl + path + queryString(options.query), init);
        }
        catch (error) {
            throw this.asConnectionError(error, options.signal);
        }
        if (!response.ok)
            throw await apiErrorFromResponse(response);
        return response;
    }
    /** A stream cut mid-way (controller restarted) is a connection failure too, not a bare TypeError. */
    async *connectionErrorsOf(chunks, signal) {
        try {
            yield* chunks;
        }
        catch (error) {
            throw this.asConnectionError(error, signal);
        }
    }
    asConnectionError(error, signal) {
        // The caller's own abort is not a connection failure; let it surface as the AbortError it is.
        if (signal?.aborted)
            return error;
        return new ConnectionError(this.baseUrl, systemErrorCode(error), error);
    }
}
// eslint-disable-next-line @typescript-eslint/no-empty-function -- an empty body is the point: a stream with no chunks
async function* noChunks() { }
function queryString(query) {
    if (!query)
        return '';
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
        if (value !== undefined)
            params.set(key, String(value));
    }
    const text = params.toString();
    return text ? `?${text}` : '';
}
/** Encodes one path segment (ids and names never contain `/`, but a user may type anything). */
export function segment(value) {
    return encodeURIComponent(String(value));
}
//# sourceMappingURL=transport.js.map