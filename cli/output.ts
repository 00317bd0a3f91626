/** Writing to stdout: JSON documents, lines, and raw bytes with backpressure. */
import { once } from 'node:events';
import { stripControls } from './terminal-text.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line for people: whatever came from the server in it is shown, not obeyed (terminal-text.ts). */
export function printLine(text = ''): void {
  process.stdout.write(`${stripControls(text)}\n`);
}

/** Writes a chunk and waits for the stream to drain, so a slow pipe bounds memory use. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: Uint8Array | string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}
