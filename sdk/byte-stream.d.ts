/**
 * Turns a response body into an async iterable of chunks with a reader, because not every browser
 * makes ReadableStream itself async-iterable. Stopping the loop early cancels the request.
 */
export declare function chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array>;
