/**
 * Request options and the few response shapes the SDK needs that protocol/api.ts does not
 * (yet) define. Resource shapes themselves come from protocol/api.ts and are not repeated here.
 */
import type { JobState } from '../protocol/states.js';
import type { EventKind } from '../protocol/api.js';

export interface ClientOptions {
  /** Base URL of a controller, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** API token sent as `Authorization: Bearer <token>`; omit for unauthenticated calls (`health`). */
  token?: string;
  /** Replaces the global fetch (tests, proxies, a browser's fetch with credentials). */
  fetch?: typeof fetch;
}

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

export interface LogOptions {
  stream?: 'stdout' | 'stderr';
  /** Keep the response open and stream new output until the attempt ends. */
  follow?: boolean;
  /** 1-based attempt number; the controller defaults to the latest. */
  attempt?: number;
  signal?: AbortSignal;
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
  /** Wait before reconnecting after a dropped connection (default 1000 ms). */
  retryMs?: number;
}

export type { Bucket, CreatedUser, ObjectEntry } from '../protocol/api.js';

/** Schedules: the shapes are protocol/schedule.ts's; `ScheduleSpec` is what create takes. */
export type { Schedule, ScheduleDetail, ScheduleRun, CreateSchedule as ScheduleSpec } from '../protocol/schedule.js';
