/**
 * `BatchClient.waitForJob`: resolves when a job reaches the state waited for. Driven by the job's
 * events (`GET /v1/events?job=…`, which reconnects and resumes by itself across a controller
 * restart): each event, and each (re)opening of the stream, triggers one GET of the job, whose
 * answer is the truth the waiter decides on. A GET every `pollMs` besides covers what events
 * cannot: a controller without them, or a change made before the stream opened.
 */
import type { Job } from '../protocol/api.js';
import { isJobFinished } from '../protocol/states.js';
import type { BatchClient } from './client.js';
import { WaitTimeoutError } from './errors.js';
import { isTransient } from './retry.js';

export interface WaitOptions {
  /** Give up after this long with `WaitTimeoutError` (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Stops waiting; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with the job each time it is seen changed (state or counts), the first time too. */
  onProgress?: (job: Job) => void | Promise<void>;
  /**
   * What to wait for (default: a finished state — SUCCEEDED, FAILED or STOPPED). The wait also
   * ends when the job finishes without meeting it: it would otherwise never end.
   */
  until?: (job: Job) => boolean;
  /** The truth check's interval, events or not (default 5000 ms). */
  pollMs?: number;
}

export async function waitForJob(client: BatchClient, id: string, options: WaitOptions = {}): Promise<Job> {
  const { timeoutMs, onProgress, until, pollMs = 5000 } = options;
  let last: Job | undefined;
  const done = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, done.signal]) : done.signal;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => done.abort(new WaitTimeoutError(id, last?.state ?? 'unknown', timeoutMs)), timeoutMs);
  const wakeups = new Wakeups(signal);
  // The events only say "look again"; the GET that follows says what is true.
  void (async () => {
    for await (const _ of client.events({ job: id, kind: ['job', 'task'], signal, onOpen: () => wakeups.ring() }))
      wakeups.ring();
  })().catch(() => {
    // No events to follow (an older controller, a stream refused or resumed past retention):
    // the poll alone carries the wait, only later.
  });
  try {
    for (;;) {
      const job = await lookAgain(client, id, signal);
      if (job) {
        if (!last || changed(last, job)) await onProgress?.(job);
        last = job;
        if (isJobFinished(job.state) || until?.(job)) return job;
      }
      await wakeups.next(pollMs);
    }
  } finally {
    clearTimeout(timer);
    done.abort(); // ends the event stream
  }
}

/** The job as it is now; undefined when the controller cannot say right now (the wait goes on). */
async function lookAgain(client: BatchClient, id: string, signal: AbortSignal): Promise<Job | undefined> {
  try {
    return await client.getJob(id, { signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason as Error;
    if (isTransient(error)) return undefined;
    throw error;
  }
}

function changed(before: Job, after: Job): boolean {
  return before.state !== after.state || JSON.stringify(before.counts) !== JSON.stringify(after.counts);
}

/** Wake-ups of the wait loop: a ring while it is busy is kept, so no event is slept through. */
class Wakeups {
  private rung = false;
  private wake: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {}

  ring(): void {
    this.rung = true;
    this.wake?.();
  }

  /** Resolves at the next ring (at once if one came meanwhile) or after `ms`; rejects on abort. */
  next(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        this.rung = false;
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.wake = undefined;
        reject(this.signal.reason as Error);
      };
      const timer = setTimeout(finish, ms);
      if (this.signal.aborted) onAbort();
      else if (this.rung) finish();
      else {
        this.wake = finish;
        this.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}
