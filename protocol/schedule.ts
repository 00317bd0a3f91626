/**
 * Schedules (SPEC §1): the create request and the resources the API returns. The cron expression
 * and time zone are checked by the controller (controller/schedules/cron.ts, with node-cron),
 * the job spec as a submit would check it.
 */
import { z } from 'zod';
import { shortText } from './limits.js';
import { nameSchema } from './spec.js';

/** What a tick does while the previous tick's job is still active. */
export const OVERLAP_POLICIES = ['skip', 'allow', 'stopPrevious'] as const;
/** What a controller does with ticks missed while no controller ran. */
export const CATCH_UP_POLICIES = ['none', 'latest'] as const;
/** What became of one tick. */
export const RUN_OUTCOMES = ['SUBMITTED', 'SKIPPED', 'REFUSED', 'MISSED'] as const;

export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** How many upcoming ticks and past runs `GET /v1/schedules/{name}` shows. */
export const SCHEDULE_NEXT_RUNS = 5;
export const SCHEDULE_RECENT_RUNS = 20;

const timestamp = z.string().describe('ISO-8601 time');

export const createScheduleSchema = z
  .strictObject({
    name: nameSchema,
    cron: shortText(255)
      .pipe(z.string().min(1, 'must not be empty'))
      .describe('node-cron syntax: 5 fields, or 6 with seconds first; names, ranges, steps, @daily'),
    timezone: shortText(64).default('UTC').describe('IANA time zone the expression is read in'),
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    catchUp: z.enum(CATCH_UP_POLICIES).default('none'),
    job: z
      .record(z.string(), z.unknown())
      .describe('a job spec as POST /v1/jobs takes it (its tasks may name templates); no clientToken'),
  })
  .meta({ id: 'CreateSchedule' });

export const scheduleRunSchema = z
  .object({
    tick: timestamp,
    /** Null while a controller is submitting it. */
    outcome: z.enum(RUN_OUTCOMES).nullable(),
    jobId: z.string().nullable(),
    reason: z.string().nullable(),
    /** Ticks missed while no controller ran that this run stands for. */
    missed: z.number().int(),
  })
  .meta({ id: 'ScheduleRun' });

export const scheduleSchema = z
  .object({
    name: z.string(),
    owner: z.string(),
    cron: z.string(),
    timezone: z.string(),
    overlap: z.enum(OVERLAP_POLICIES),
    catchUp: z.enum(CATCH_UP_POLICIES),
    paused: z.boolean(),
    job: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
    /** The next tick; null while paused. */
    nextRunAt: timestamp.nullable(),
    lastRunAt: timestamp.nullable(),
  })
  .meta({ id: 'Schedule' });

/** One schedule with its upcoming ticks and recent runs, newest first. */
export const scheduleDetailSchema = scheduleSchema
  .extend({
    nextRuns: z.array(timestamp),
    runs: z.array(scheduleRunSchema),
  })
  .meta({ id: 'ScheduleDetail' });

export type CreateSchedule = z.input<typeof createScheduleSchema>;
export type CreateScheduleRequest = z.output<typeof createScheduleSchema>;
export type ScheduleRun = z.infer<typeof scheduleRunSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;
export type ScheduleDetail = z.infer<typeof scheduleDetailSchema>;
