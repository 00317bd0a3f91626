/** /v1/events: state changes as server-sent events, resumable with `?since=` or `Last-Event-ID`. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ENVIRONMENT_EVENTS, EVENT_KINDS, eventSchema, type EventKind } from '../../protocol/api.js';
import { BatchError } from '../../protocol/errors.js';
import { RUN_OUTCOMES } from '../../protocol/schedule.js';
import { INSTANCE_STATES, JOB_STATES, NODE_STATES, TASK_STATES } from '../../protocol/states.js';
import type { EventFilter } from '../events/filter.js';
import { resolveSince } from '../events/read.js';
import type { AppEnv } from './auth.js';
import { queryEnum } from './body.js';
import type { AppDeps } from './deps.js';
import { booleanText } from './params.js';
import { serve } from './route.js';

/** Every state an event can carry, for validating `state=`. */
const EVENT_STATES = new Set<string>([
  ...JOB_STATES,
  ...TASK_STATES,
  ...INSTANCE_STATES,
  ...NODE_STATES,
  ...ENVIRONMENT_EVENTS,
  // a schedule's run: its outcome
  ...RUN_OUTCOMES,
]);

export function eventRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'streamEvents',
      summary: 'State changes as server-sent events',
      description:
        'Each event: `id:` its id, `event:` its kind, `data:` the Event as JSON. Resumes after `since` (or the ' +
        '`Last-Event-ID` header); 410 when that is past retention.',
      tags: ['Events'],
      request: {
        query: z.object({
          job: z.string().max(128).optional().describe("only this job's events"),
          kind: z
            .string()
            .optional()
            .describe(`comma-separated: ${EVENT_KINDS.join(', ')}`),
          state: z.string().optional().describe('comma-separated states'),
          since: z.number().int().min(0).optional().describe('resume after this event id'),
          follow: booleanText(true, '`false`: end at the present instead of waiting for more'),
        }),
        headers: z.object({ 'last-event-id': z.string().optional().describe('as `since`; `since` wins') }),
      },
      responses: { 200: { description: 'The stream', content: { 'text/event-stream': { schema: eventSchema } } } },
    },
    async (c) => {
      const caller = c.get('caller');
      const filter: EventFilter = {};
      if (!caller.admin) filter.ownerId = caller.id;
      const job = c.req.query('job');
      if (job !== undefined && job !== '') {
        if (job.length > 128) throw new BatchError('VALIDATION', 'job: at most 128 characters (a job id)', 'job');
        filter.jobId = job;
      }
      const kinds = listParam(c, 'kind', EVENT_KINDS);
      if (kinds) filter.kinds = kinds as EventKind[];
      const states = listParam(c, 'state', [...EVENT_STATES]);
      if (states) filter.states = states;
      const follow = queryEnum(c, 'follow', ['true', 'false', '1', '0'] as const, 'true')!;
      const sinceId = eventId(c);
      const since = sinceId === undefined ? undefined : await resolveSince(deps.store, sinceId);
      const sub = await deps.events.subscribe(caller, filter, since, follow === 'true' || follow === '1');
      return new Response(sub.body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          // nginx buffers responses unless told not to: a stream must reach the client as it comes.
          'x-accel-buffering': 'no',
        },
      });
    },
  );

  return app;
}

/** `?since=` wins over the `Last-Event-ID` header a reconnecting EventSource sends. */
function eventId(c: Context<AppEnv>): number | undefined {
  const fromQuery = c.req.query('since');
  const [field, raw] =
    fromQuery !== undefined && fromQuery !== ''
      ? ['since', fromQuery]
      : ['Last-Event-ID', c.req.header('last-event-id')];
  if (raw === undefined || raw === '') return undefined;
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
    throw new BatchError('VALIDATION', `${field}: must be an event id (a whole number >= 0)`, field);
  return id;
}

/** A comma-separated list, each item one of `allowed`. */
function listParam(c: Context<AppEnv>, name: string, allowed: readonly string[]): string[] | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!allowed.includes(item))
      throw new BatchError('VALIDATION', `${name}: "${item}" is not one of ${allowed.join(', ')}`, name);
  }
  return items;
}
