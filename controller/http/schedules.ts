/** /v1/schedules: cron schedules that submit a job spec (controller/schedules/). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { BatchError } from '../../protocol/errors.js';
import { createScheduleSchema, scheduleDetailSchema, scheduleSchema } from '../../protocol/schedule.js';
import { systemClock } from '../clock.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
} from '../schedules/schedules.js';
import type { AppEnv } from './auth.js';
import { queryInt, readBody } from './body.js';
import type { AppDeps } from './deps.js';
import { limit, ownerAll, pathOf, textCursor } from './params.js';
import { json, list, noContent, serve } from './route.js';

const tags = ['Schedules'];
const byName = pathOf('name');
const detail = json(scheduleDetailSchema, 'The schedule with its next runs and recent run history');

export function scheduleRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  serve(
    app,
    {
      method: 'post',
      path: '/',
      operationId: 'createSchedule',
      summary: 'Create a schedule',
      tags,
      request: { body: { required: true, content: { 'application/json': { schema: createScheduleSchema } } } },
      responses: { 201: detail },
    },
    async (c) => {
      const created = await createSchedule(store, clock, c.get('caller'), await readBody(c, createScheduleSchema));
      deps.scheduleTicker?.wake();
      return c.json(created, 201);
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listSchedules',
      summary: 'List schedules',
      tags,
      request: { query: z.object({ limit: limit(100, 1000), cursor: textCursor, owner: ownerAll }) },
      responses: { 200: json(list(scheduleSchema), 'A page of schedules') },
    },
    async (c) => {
      const caller = c.get('caller');
      const all = c.req.query('owner') === 'all';
      if (all && !caller.admin)
        throw new BatchError('FORBIDDEN', "owner=all: only an admin may list every user's schedules", 'owner');
      const cursor = c.req.query('cursor');
      const page = { limit: queryInt(c, 'limit', 100, 1, 1000), ...(cursor ? { cursor } : {}) };
      return c.json(await listSchedules(store, all ? undefined : caller.id, page));
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{name}',
      operationId: 'getSchedule',
      summary: 'Get a schedule',
      tags,
      request: { params: byName },
      responses: { 200: detail },
    },
    async (c) => c.json(await getSchedule(store, clock, c.get('caller'), c.req.param('name'))),
  );

  serve(
    app,
    {
      method: 'post',
      path: '/{name}/pause',
      operationId: 'pauseSchedule',
      summary: 'Pause a schedule (no tick runs or is caught up)',
      tags,
      request: { params: byName },
      responses: { 200: detail },
    },
    async (c) => c.json(await pauseSchedule(store, clock, c.get('caller'), c.req.param('name'))),
  );

  serve(
    app,
    {
      method: 'post',
      path: '/{name}/resume',
      operationId: 'resumeSchedule',
      summary: 'Resume a schedule from its next tick after now',
      tags,
      request: { params: byName },
      responses: { 200: detail },
    },
    async (c) => {
      const resumed = await resumeSchedule(store, clock, c.get('caller'), c.req.param('name'));
      deps.scheduleTicker?.wake();
      return c.json(resumed);
    },
  );

  serve(
    app,
    {
      method: 'delete',
      path: '/{name}',
      operationId: 'deleteSchedule',
      summary: 'Delete a schedule and its run history (its jobs stay)',
      tags,
      request: { params: byName },
      responses: noContent,
    },
    async (c) => {
      await deleteSchedule(store, c.get('caller'), c.req.param('name'));
      return c.body(null, 204);
    },
  );

  return app;
}
