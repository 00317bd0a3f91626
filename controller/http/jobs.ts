/** /v1/jobs: submit, list, get, stop, restart, delete; instances and logs below a job's tasks. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { instanceSchema, jobSchema } from '../../protocol/api.js';
import { BatchError, notFound } from '../../protocol/errors.js';
import { jobSpecSchema } from '../../protocol/spec.js';
import { JOB_STATES } from '../../protocol/states.js';
import { listInstances } from '../jobs/instances.js';
import { deleteJob } from '../jobs/remove.js';
import { restartJob } from '../jobs/restart.js';
import { stopJob } from '../jobs/stop.js';
import { logJobSubmitted } from '../jobs/submitted-log.js';
import { submitJob } from '../jobs/submit.js';
import { getJobSpec } from '../jobs/spec.js';
import { getJob, listJobs, type JobListOptions } from '../jobs/view.js';
import { logStream, findAttempt } from '../logs/read.js';
import type { AppEnv } from './auth.js';
import { queryEnum, queryEnumList, queryInt, queryText, queryTime, readJson } from './body.js';
import type { AppDeps } from './deps.js';
import { booleanText, enumList, limit, numberCursor, pathOf } from './params.js';
import { json, list, noContent, serve } from './route.js';

const tags = ['Jobs'];
/** Job names are at most this long (protocol/spec.ts), so a longer filter could match nothing. */
const MAX_NAME_QUERY = 128;
const jobPath = pathOf('id');
const taskPath = pathOf('id', 'task');
const instancePath = z.object({
  id: z.string().min(1),
  task: z.string().min(1),
  index: z.number().int().min(0).describe('the instance index, from 0'),
});

export function jobRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  const visibleJob = async (c: Context<AppEnv>) => {
    const id = c.req.param('id')!;
    const caller = c.get('caller');
    const job = await getJob(deps.store, id, caller.id, caller.admin);
    if (!job) throw notFound('job', id);
    return job;
  };

  const taskOf = async (c: Context<AppEnv>) => {
    const job = await visibleJob(c);
    const name = c.req.param('task')!;
    if (!job.tasks.some((t) => t.name === name)) throw notFound('task', `${job.id}/${name}`);
    return { job, task: name };
  };

  serve(
    app,
    {
      method: 'post',
      path: '/',
      operationId: 'submitJob',
      summary: 'Submit a job',
      description:
        'Idempotent with `clientToken`: submitting the same spec again answers 200 with the job it made; ' +
        'a different spec with a used token answers 409 `IDEMPOTENT_PARAMETER_MISMATCH`.',
      tags,
      request: { body: { required: true, content: { 'application/json': { schema: jobSpecSchema } } } },
      responses: { 200: json(jobSchema, 'The job this clientToken made before'), 201: json(jobSchema, 'The job') },
    },
    async (c) => {
      const result = await submitJob(deps.store, c.get('caller'), await readJson(c), deps.defaultEnvironment);
      if (result.created) {
        // A new job needs placing, not reconciling: its stored states are already right.
        deps.scheduler.wake('job-submitted', []);
        // Its tasks may need nodes made for them.
        deps.pools?.wake();
        logJobSubmitted(deps.log, result.job, c.get('caller').name);
        return c.json(result.job, 201);
      }
      const caller = c.get('caller');
      return c.json(await getJob(deps.store, result.jobId, caller.id, caller.admin), 200);
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listJobs',
      summary: 'List jobs, newest first',
      tags,
      request: {
        query: z.object({
          limit: limit(50, 1000),
          cursor: numberCursor,
          state: enumList(JOB_STATES, 'only jobs in these states: one, or several comma-separated (or repeated)'),
          owner: z
            .string()
            .min(1)
            .max(MAX_NAME_QUERY)
            .optional()
            .describe("a user's name, or `all` for every user's jobs (admins only, except your own name)"),
          name: z
            .string()
            .min(1)
            .max(MAX_NAME_QUERY)
            .optional()
            .describe('only jobs whose name contains this text (case-insensitive)'),
          since: z.iso.datetime({ offset: true }).optional().describe('only jobs created at or after this time'),
        }),
      },
      responses: { 200: json(list(jobSchema), 'A page of jobs') },
    },
    async (c) => {
      const caller = c.get('caller');
      const cursor = c.req.query('cursor');
      const options: JobListOptions = { limit: queryInt(c, 'limit', 50, 1, 1000) };
      if (cursor) options.cursor = queryInt(c, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER);
      const states = queryEnumList(c, 'state', JOB_STATES);
      if (states) options.states = states;
      const name = queryText(c, 'name', MAX_NAME_QUERY);
      if (name) options.nameContains = name;
      const since = queryTime(c, 'since');
      if (since) options.createdSince = since;
      const owner = queryText(c, 'owner', MAX_NAME_QUERY) ?? caller.name;
      if (owner !== caller.name && !caller.admin)
        throw new BatchError('FORBIDDEN', `owner=${owner}: only an admin may list other users' jobs`, 'owner');
      if (owner !== 'all') options.owner = owner === caller.name ? { id: caller.id } : { name: owner };
      return c.json(await listJobs(deps.store, options));
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{id}',
      operationId: 'getJob',
      summary: 'Get a job with per-task counts',
      tags,
      request: { params: jobPath },
      responses: { 200: json(jobSchema, 'The job') },
    },
    async (c) => c.json(await visibleJob(c)),
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{id}/spec',
      operationId: 'getJobSpec',
      summary: "Get a job's spec as it was submitted",
      description:
        'What was posted to `POST /v1/jobs`, as validated: templates named, not expanded; only the ' +
        "job's `priority` default filled in (`GET /v1/jobs/{id}` shows the tasks as they run).",
      tags,
      request: { params: jobPath },
      responses: { 200: json(jobSpecSchema, 'The job spec') },
    },
    async (c) => {
      const id = c.req.param('id');
      const caller = c.get('caller');
      const spec = await getJobSpec(deps.store, id, caller.id, caller.admin);
      if (!spec) throw notFound('job', id);
      return c.json(spec);
    },
  );

  // Commands write intent; the answer shows the states the scheduler's next pass derived from it.
  serve(
    app,
    {
      method: 'post',
      path: '/{id}/stop',
      operationId: 'stopJob',
      summary: 'Stop a job',
      tags,
      request: { params: jobPath },
      responses: { 200: json(jobSchema, 'The job, as the scheduler left it') },
    },
    async (c) => {
      const job = await visibleJob(c);
      if (await stopJob(deps.store, job.id)) await deps.scheduler.settle('job-stopped', [job.id]);
      return c.json(await visibleJob(c));
    },
  );

  serve(
    app,
    {
      method: 'post',
      path: '/{id}/restart',
      operationId: 'restartJob',
      summary: 'Rerun what did not succeed',
      tags,
      request: { params: jobPath },
      responses: { 200: json(jobSchema, 'The job, as the scheduler left it') },
    },
    async (c) => {
      const job = await visibleJob(c);
      await restartJob(deps.store, job.id);
      await deps.scheduler.settle('job-restarted', [job.id]);
      return c.json(await visibleJob(c));
    },
  );

  serve(
    app,
    {
      method: 'delete',
      path: '/{id}',
      operationId: 'deleteJob',
      summary: 'Delete a finished job and its logs',
      tags,
      request: { params: jobPath },
      responses: noContent,
    },
    async (c) => {
      const job = await visibleJob(c);
      await deleteJob(deps.store, job.id, job.state);
      return c.body(null, 204);
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{id}/tasks/{task}/instances',
      operationId: 'listInstances',
      summary: "A task's instances with their attempts",
      tags,
      request: { params: taskPath, query: z.object({ limit: limit(100, 1000), cursor: numberCursor }) },
      responses: { 200: json(list(instanceSchema), 'A page of instances') },
    },
    async (c) => {
      const { job, task } = await taskOf(c);
      const cursor = c.req.query('cursor');
      const options: { limit: number; cursor?: number } = { limit: queryInt(c, 'limit', 100, 1, 1000) };
      if (cursor) options.cursor = queryInt(c, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER);
      return c.json(await listInstances(deps.store, job.id, task, options));
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{id}/tasks/{task}/instances/{index}',
      operationId: 'getInstance',
      summary: 'One instance with its attempts',
      tags,
      request: { params: instancePath },
      responses: { 200: json(instanceSchema, 'The instance') },
    },
    async (c) => {
      const { job, task } = await taskOf(c);
      const index = Number(c.req.param('index'));
      if (!Number.isInteger(index) || index < 0)
        throw new BatchError('VALIDATION', 'index: must be a whole number >= 0', 'index');
      const found = await listInstances(deps.store, job.id, task, { limit: 1, index });
      if (found.items.length === 0) throw notFound('instance', `${job.id}/${task}/${index}`);
      return c.json(found.items[0]);
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{id}/tasks/{task}/instances/{index}/logs',
      operationId: 'getInstanceLog',
      summary: "An attempt's log",
      description: 'The whole log so far; with `follow`, the stream stays open and ends with the attempt.',
      tags,
      request: {
        params: instancePath,
        query: z.object({
          stream: z.enum(['stdout', 'stderr']).default('stdout'),
          follow: booleanText(false, 'keep the response open and send lines as they come'),
          attempt: z.number().int().min(1).max(1_000_000).optional().describe('default: the latest attempt'),
        }),
      },
      responses: {
        200: { description: 'The log text', content: { 'text/plain': { schema: z.string() } } },
      },
    },
    async (c) => {
      const { job, task } = await taskOf(c);
      const index = Number(c.req.param('index'));
      if (!Number.isInteger(index) || index < 0)
        throw new BatchError('VALIDATION', 'index: must be a whole number >= 0', 'index');
      const stream = queryEnum(c, 'stream', ['stdout', 'stderr'] as const, 'stdout')!;
      const follow = queryEnum(c, 'follow', ['true', 'false', '1', '0'] as const, 'false')!;
      const attemptParam = c.req.query('attempt');
      const target: { jobId: string; task: string; index: number; attempt?: number } = { jobId: job.id, task, index };
      if (attemptParam) target.attempt = queryInt(c, 'attempt', 1, 1, 1_000_000);
      const found = await findAttempt(deps.store, job.id, task, index, target.attempt);
      if (!found) throw notFound('instance', `${job.id}/${task}/${index}`);
      if (target.attempt !== undefined && found.attemptId === undefined)
        throw notFound('attempt', `${job.id}/${task}/${index}/${target.attempt}`);
      const body = logStream(deps.store, deps.logBus, target, stream, follow === 'true' || follow === '1');
      return new Response(body, {
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      });
    },
  );

  return app;
}
