/**
 * Uploading a file to a signed PUT URL, streamed from disk with its length declared up front
 * (object stores refuse chunked uploads to presigned URLs). The message never contains the URL.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { retryableStatus } from '../runner/failure.js';
import { causeOf, TransferError } from './download.js';

export async function upload(file: string, size: number, url: string, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'PUT',
      body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
      headers: { 'content-length': String(size) },
      duplex: 'half',
      signal,
    } as RequestInit);
  } catch (err) {
    if (signal.aborted) throw err;
    // includes a file that changed size since it was listed: the declared length is then wrong
    throw new TransferError(`upload failed: ${causeOf(err)}`, true);
  }
  await res.body?.cancel();
  if (!res.ok)
    throw new TransferError(
      `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      retryableStatus(res.status),
    );
}
