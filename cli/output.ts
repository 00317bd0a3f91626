/** Writing to stdout: JSON and YAML documents, lines, and raw bytes with backpressure. */
import { once } from 'node:events';
import { stripControls } from './terminal-text.js';

/** The API's document as `-o json` or `-o yaml` asks; YAML is the same data, not a view of it. */
export async function formatDocument(format: 'json' | 'yaml', value: unknown): Promise<string> {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  // Loaded when asked for (it costs a fifth of batchctl's start-up), like string-width.
  const { stringify } = await import('yaml');
  return stringify(value, { aliasDuplicateObjects: false });
}

/** A line for people: whatever came from the server in it is shown, not obeyed (terminal-text.ts). */
export function printLine(text = ''): void {
  process.stdout.write(`${stripControls(text)}\n`);
}

/** Writes a chunk and waits for the stream to drain, so a slow pipe bounds memory use. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: Uint8Array | string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}
