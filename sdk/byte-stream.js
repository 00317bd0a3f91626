/**
 * Turns a response body into an async iterable of chunks with a reader, because not every browser
 * makes ReadableStream itself async-iterable. Stopping the loop early cancels the request.
 */
export async function* chunksOf(body) {
    const reader = body.getReader();
    let finished = false;
    try {
        for (;;) {
            const { done, value } = await reader.read();
            if (done) {
                finished = true;
                return;
            }
            yield value;
        }
    }
    finally {
        if (!finished)
            await reader.cancel().catch(() => undefined);
        reader.releaseLock();
    }
}
//# sourceMappingURL=byte-stream.js.map