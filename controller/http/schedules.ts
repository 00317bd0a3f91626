/** /v1/schedules: cron schedules that submit a job spec (controller/schedules/). */
import { Hono } from 'hono';
import { BatchError } from '../../protocol/errors.js';
import { createScheduleSchema } from '../../protocol/schedule.js';
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

export function scheduleRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  app.post('/', async (c) => {
    const created = await createSchedule(store, clock, c.get('caller'), await readBody(c, createScheduleSchema));
    deps.scheduleTicker?.wake();
    return c.json(created, 201);
  });

  app.get('/', async (c) => {
    const caller = c.get('caller');
    const all = c.req.query('owner') === 'all';
    if (all && !caller.admin)
      throw new BatchError('FORBIDDEN', "owner=all: only an admin may list every user's schedules", 'owner');
    const cursor = c.req.query('cursor');
    const page = { limit: queryInt(c, 'limit', 100, 1, 1000), ...(cursor ? { cursor } : {}) };
    return c.json(await listSchedules(store, all ? undefined : caller.id, page));
  });

  app.get('/:name', async (c) => c.json(await getSchedule(store, clock, c.get('caller'), c.req.param('name'))));

  app.post('/:name/pause', async (c) =>
    c.json(await pauseSchedule(store, clock, c.get('caller'), c.req.param('name'))),
  );

  app.post('/:name/resume', async (c) => {
    const resumed = await resumeSchedule(store, clock, c.get('caller'), c.req.param('name'));
    deps.scheduleTicker?.wake();
    return c.json(resumed);
  });

  app.delete('/:name', async (c) => {
    await deleteSchedule(store, c.get('caller'), c.req.param('name'));
    return c.body(null, 204);
  });

  return app;
}
