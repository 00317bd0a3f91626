/**
 * Uploading a file to a signed PUT URL, streamed from disk with its length declared up front
 * (object stores refuse chunked uploads to presigned URLs). The message never contains the URL.
 *
 * The agent may be root and the work dir is the task's: between listing and upload, a task (or
 * something it left running) could swap a file for a link to a secret of the node. So the file
 * is opened without following a final symbolic link, and what was opened must be a regular file
 * owned by the task's user (`owner`): a link through a swapped directory reaches only files of
 * that same user.
 */
import { constants, createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { retryableStatus } from '../runner/failure.js';
import { causeOf, TransferError } from './download.js';

export async function upload(
  file: string,
  url: string,
  signal: AbortSignal,
  owner: number | undefined,
): Promise<{ size: number }> {
  // O_NOFOLLOW does not exist on Windows (0): there the agent and its tasks share one user.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
    throw new TransferError(`cannot open it: ${causeOf(err)}`, false);
  });
  let size: number;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new TransferError('it is not a regular file', false);
    if (owner !== undefined && info.uid !== owner)
      throw new TransferError(`it is not the task's own file (owner uid ${info.uid})`, false);
    size = info.size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (size === 0) await handle.close();
  let res: Response;
  try {
    // The stream owns the handle from here and closes it when done; `end` keeps it to `size`.
    const body =
      size === 0
        ? new Uint8Array(0)
        : (Readable.toWeb(createReadStream('', { fd: handle, start: 0, end: size - 1 })) as ReadableStream<Uint8Array>);
    res = await fetch(url, {
      method: 'PUT',
      body,
      headers: { 'content-length': String(size) },
      duplex: 'half',
      signal,
    } as RequestInit);
  } catch (err) {
    if (signal.aborted) throw err;
    // includes a file that changed size since it was opened: the declared length is then wrong
    throw new TransferError(`upload failed: ${causeOf(err)}`, true);
  }
  await res.body?.cancel();
  if (!res.ok)
    throw new TransferError(
      `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      retryableStatus(res.status),
    );
  return { size };
}
