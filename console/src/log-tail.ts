/**
 * Reads an attempt's log through the SDK and keeps only its tail: a gigabyte log costs the page
 * a bounded string, and React re-renders at most every FLUSH_MS however fast chunks arrive.
 */
import { useEffect, useState } from 'react';
import type { BatchClient } from '../../sdk/index.js';
import { saveBlob } from './save-file.js';

/** How much of the end of a log is shown (characters). */
export const TAIL_CHARS = 256 * 1024;
const FLUSH_MS = 100;

export interface LogTail {
  text: string;
  /** Bytes read so far: more than shown when the log is longer than the tail. */
  bytes: number;
  truncated: boolean;
  done: boolean;
  error: unknown;
}

export interface LogTarget {
  jobId: string;
  task: string;
  index: number;
  stream: 'stdout' | 'stderr';
  attempt: number;
  /** Keep reading while the attempt runs. */
  follow: boolean;
}

const NOTHING_YET: LogTail = { text: '', bytes: 0, truncated: false, done: false, error: undefined };

export function useLogTail(client: BatchClient, target: LogTarget | undefined): LogTail {
  // Tagged with the target it belongs to: a tail of the previous target is never shown.
  const [tail, setTail] = useState<LogTail & { key: string }>({ ...NOTHING_YET, key: '' });
  // Whether to follow is decided when reading starts: a followed log ends by itself when its
  // attempt does, so the attempt's end must not start a second read of the whole log.
  const key = target ? JSON.stringify({ ...target, follow: undefined }) : '';
  useEffect(() => {
    if (!target) return;
    const abort = new AbortController();
    const decoder = new TextDecoder();
    let text = '';
    let bytes = 0;
    let truncated = false;
    const flush = (done: boolean, error?: unknown) => {
      setTail({ text, bytes, truncated, done, error, key });
    };
    const timer = setInterval(() => {
      flush(false);
    }, FLUSH_MS);
    void (async () => {
      try {
        const chunks = await client.logs(target.jobId, target.task, target.index, {
          stream: target.stream,
          attempt: target.attempt,
          follow: target.follow,
          signal: abort.signal,
        });
        for await (const chunk of chunks) {
          bytes += chunk.byteLength;
          text += decoder.decode(chunk, { stream: true });
          if (text.length > TAIL_CHARS) {
            text = text.slice(text.length - TAIL_CHARS);
            truncated = true;
          }
        }
        text += decoder.decode();
        flush(true);
      } catch (error) {
        if (!abort.signal.aborted) flush(true, error);
      } finally {
        clearInterval(timer);
      }
    })();
    return () => {
      abort.abort();
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the target's value (but follow)
  }, [client, key]);
  return tail.key === key ? tail : NOTHING_YET;
}

/** Saves the whole log as a file: read through the SDK (the token stays in a header), then a blob link. */
export async function downloadLog(client: BatchClient, target: LogTarget): Promise<void> {
  const parts: BlobPart[] = [];
  const chunks = await client.logs(target.jobId, target.task, target.index, {
    stream: target.stream,
    attempt: target.attempt,
  });
  for await (const chunk of chunks) parts.push(chunk as Uint8Array<ArrayBuffer>);
  saveBlob(
    new Blob(parts, { type: 'text/plain' }),
    `${target.jobId}-${target.task}-${target.index}-${target.attempt}.${target.stream}.log`,
  );
}
