/** Writing to stdout: JSON documents, lines, and raw bytes with backpressure. */
import { once } from 'node:events';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Writes a chunk and waits for the stream to drain, so a slow pipe bounds memory use. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: Uint8Array | string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}
