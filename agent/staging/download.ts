/**
 * Downloading a signed URL to a file, streamed to disk, counted and hashed on the way. A failure
 * removes the partial file. Messages never include the URL: a signed URL is a short-lived
 * credential, and callers name the object by its oss:// source instead.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { retryableStatus } from '../runner/failure.js';

export class TransferError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

export interface Downloaded {
  bytes: number;
  sha256: string;
}

/** `maxBytes`: stop as soon as the body is longer, so a wrong object cannot fill the disk. */
export async function download(
  url: string,
  file: string,
  opts: { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<Downloaded> {
  const { signal, maxBytes } = opts;
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new TransferError(`request failed: ${causeOf(err)}`, true);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new TransferError(
      `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      retryableStatus(res.status),
    );
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.byteLength;
      if (maxBytes !== undefined && bytes > maxBytes) {
        done(new TransferError(`the object is larger than the expected ${maxBytes} B`, false));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), count, createWriteStream(file), {
      signal,
    });
  } catch (err) {
    await rm(file, { force: true });
    if (err instanceof TransferError || signal?.aborted) throw err;
    throw new TransferError(`transfer failed: ${causeOf(err)}`, true);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a reset) is its cause. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
