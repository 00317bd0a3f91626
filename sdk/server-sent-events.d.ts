/**
 * Parses a text/event-stream body (the WHATWG "server-sent events" format) into messages:
 * `id:`, `event:` and `data:` fields up to a blank line; `:` lines are comments (heartbeats).
 */
export interface ServerSentEvent {
    id?: string;
    event: string;
    data: string;
}
export declare function serverSentEvents(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent>;
