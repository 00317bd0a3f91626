/**
 * Request options and the few response shapes the SDK needs that protocol/api.ts does not
 * (yet) define. Resource shapes themselves come from protocol/api.ts and are not repeated here.
 */
import type { JobState } from '../protocol/states.js';
import type { EventKind, Job } from '../protocol/api.js';

export interface ClientOptions {
  /** Base URL of a controller, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** API token sent as `Authorization: Bearer <token>`; omit for unauthenticated calls (`health`). */
  token?: string;
  /** Replaces the global fetch (tests, proxies, a browser's fetch with credentials). */
  fetch?: typeof fetch;
  /**
   * How long a call may take, retries and their waits included, before it throws
   * `RequestTimeoutError`; for a stream (logs, events, objects), until its response begins.
   * Default: no limit (an upload of a large object may take long). Each call may override it.
   */
  timeoutMs?: number;
  /** Retries of idempotent requests (see `RetryOptions`); `false` turns them off. */
  retries?: Partial<RetryOptions> | false;
}

/**
 * Which failures are retried: a connection failure (no answer) and the answers 429, 502, 503
 * and 504, and only for requests that are safe to send twice — GET, PUT and DELETE, the few POSTs
 * that set a state (stop, drain, scale…), and `submitJob` with a `clientToken`. A POST that would
 * act twice is never retried. Waits grow exponentially with full jitter; a `Retry-After` answer
 * is waited out instead, unless it asks for longer than `maxMs` (then the error is thrown).
 */
export interface RetryOptions {
  /** Tries in all, the first included (default 3; 1 = no retry). */
  attempts: number;
  /** The first wait's upper bound; each retry doubles it (default 200 ms). */
  baseMs: number;
  /** No wait is longer (default 5000 ms). */
  maxMs: number;
}

/** What every method accepts as its last argument: an abort signal and overrides for this call. */
export interface CallOptions {
  /** Aborts the call; it then rejects with the signal's reason (an `AbortError` by default). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call (`0`: no limit). */
  timeoutMs?: number;
  /** Overrides the client's retries for this call. */
  retries?: Partial<RetryOptions> | false;
}

/**
 * What `submitJob` resolves with: the job, plus whether this call created it (`false`: the job an
 * earlier submit with the same `clientToken` made). `created` is not enumerable, so the value
 * serializes as the API's job and nothing else.
 */
export type SubmittedJob = Job & { readonly created: boolean };

export interface PageQuery {
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface JobQuery extends PageQuery {
  /** Only jobs in this state, or in any of these. */
  state?: JobState | readonly JobState[];
  /** A user's name, or `all` for every user's jobs (admins only; others get 403). */
  owner?: string;
  /** Only jobs whose name contains this text (case-insensitive). */
  name?: string;
  /** Only jobs created at or after this ISO 8601 time. */
  since?: string;
}

export interface LogOptions extends CallOptions {
  stream?: 'stdout' | 'stderr';
  /** Keep the response open and stream new output until the attempt ends. */
  follow?: boolean;
  /** 1-based attempt number; the controller defaults to the latest. */
  attempt?: number;
}

export interface EventQuery {
  /** Only this job's events. */
  job?: string;
  /** Only these kinds (job, task, instance, node, environment, schedule). */
  kind?: EventKind | readonly EventKind[];
  /** Only events to these states. */
  state?: string | readonly string[];
  /** Resume after this event id (0: everything retained); absent: from now. */
  since?: number;
  /** false: stop at the present instead of following (default true). */
  follow?: boolean;
  signal?: AbortSignal;
  /** Called each time a stream opens (the first time and after every reconnect). */
  onOpen?: () => void;
  /** Wait before reconnecting after a dropped connection (default 1000 ms). */
  retryMs?: number;
}

export type { Bucket, CreatedUser, ObjectEntry } from '../protocol/api.js';

/** Schedules: the shapes are protocol/schedule.ts's; `ScheduleSpec` is what create takes. */
export type { Schedule, ScheduleDetail, ScheduleRun, CreateSchedule as ScheduleSpec } from '../protocol/schedule.js';
