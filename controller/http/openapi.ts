/** The OpenAPI document, generated from the same zod schemas that validate requests. */
import { z } from 'zod';
import * as api from '../../protocol/api.js';
import * as schedule from '../../protocol/schedule.js';
import { jobSpecSchema, templateSpecSchema } from '../../protocol/spec.js';
import { BATCH_VERSION } from '../../protocol/version.js';

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  text?: boolean;
  /** Needs no token (probes). */
  open?: boolean;
  /** A text/event-stream whose `data:` lines are this shape. */
  events?: z.ZodType;
}

const list = api.listSchema;

const ROUTES: Route[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers (asks nothing of the database)',
    open: true,
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the database answers and the scheduler passed recently; 503 with the problems otherwise',
    response: z.object({ ready: z.boolean(), problems: z.array(z.string()) }),
    open: true,
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (the BATCH_METRICS_TOKEN scrape token or an admin token; docs/monitoring.md)',
    text: true,
  },
  {
    method: 'post',
    path: '/v1/jobs',
    summary: 'Submit a job (idempotent with clientToken)',
    body: jobSpecSchema,
    response: api.jobSchema,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/jobs',
    summary: 'List jobs, newest first (limit, cursor, state)',
    response: list(api.jobSchema),
  },
  { method: 'get', path: '/v1/jobs/{id}', summary: 'Get a job with per-task counts', response: api.jobSchema },
  { method: 'post', path: '/v1/jobs/{id}/stop', summary: 'Stop a job', response: api.jobSchema },
  { method: 'post', path: '/v1/jobs/{id}/restart', summary: 'Rerun what did not succeed', response: api.jobSchema },
  { method: 'delete', path: '/v1/jobs/{id}', summary: 'Delete a finished job and its logs', status: 204 },
  {
    method: 'get',
    path: '/v1/jobs/{id}/tasks/{task}/instances',
    summary: 'List instances with attempts',
    response: list(api.instanceSchema),
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/tasks/{task}/instances/{index}',
    summary: 'Get one instance',
    response: api.instanceSchema,
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/tasks/{task}/instances/{index}/logs',
    summary: 'Log of an attempt (stream, follow, attempt)',
    text: true,
  },
  {
    method: 'post',
    path: '/v1/templates',
    summary: 'Create a task template',
    body: templateSpecSchema,
    response: api.templateSchema,
    status: 201,
  },
  { method: 'get', path: '/v1/templates', summary: 'List templates', response: list(api.templateSchema) },
  { method: 'get', path: '/v1/templates/{name}', summary: 'Get a template', response: api.templateSchema },
  {
    method: 'put',
    path: '/v1/templates/{name}',
    summary: 'Create or replace a template',
    body: templateSpecSchema,
    response: api.templateSchema,
  },
  { method: 'delete', path: '/v1/templates/{name}', summary: 'Delete a template', status: 204 },
  {
    method: 'get',
    path: '/v1/compute-environments',
    summary: 'List compute environments',
    response: list(api.computeEnvironmentSchema),
  },
  {
    method: 'post',
    path: '/v1/compute-environments',
    summary: 'Create a compute environment',
    body: api.createEnvironmentSchema,
    response: api.computeEnvironmentSchema,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/compute-environments/{name}',
    summary: 'Get a compute environment',
    response: api.computeEnvironmentSchema,
  },
  {
    method: 'post',
    path: '/v1/compute-environments/{name}/scale',
    summary: 'Set the desired node count',
    body: api.scaleEnvironmentSchema,
    response: api.computeEnvironmentSchema,
  },
  {
    method: 'delete',
    path: '/v1/compute-environments/{name}',
    summary: 'Delete an empty compute environment',
    status: 204,
  },
  {
    method: 'post',
    path: '/v1/compute-environments/{name}/tokens',
    summary: 'Create a node registration token (ttlSeconds, maxUses)',
    body: api.createRegistrationTokenSchema,
    response: api.registrationTokenSchema,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/compute-environments/{name}/tokens',
    summary: "List an environment's registration tokens",
    response: list(api.registrationTokenInfoSchema),
  },
  {
    method: 'delete',
    path: '/v1/compute-environments/{name}/tokens/{id}',
    summary: 'Revoke a registration token',
    status: 204,
  },
  { method: 'get', path: '/v1/nodes', summary: 'List nodes', response: list(api.nodeSchema) },
  { method: 'get', path: '/v1/nodes/{id}', summary: 'Get a node', response: api.nodeSchema },
  { method: 'post', path: '/v1/nodes/{id}/drain', summary: 'Stop placing work on a node', response: api.nodeSchema },
  {
    method: 'post',
    path: '/v1/nodes/{id}/undrain',
    summary: 'Let a drained node take work again',
    response: api.nodeSchema,
  },
  {
    method: 'post',
    path: '/v1/schedules',
    summary: 'Create a schedule (cron, timezone, overlap, catchUp, job)',
    body: schedule.createScheduleSchema,
    response: schedule.scheduleDetailSchema,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/schedules',
    summary: 'List your schedules (limit, cursor; owner=all for an admin)',
    response: list(schedule.scheduleSchema),
  },
  {
    method: 'get',
    path: '/v1/schedules/{name}',
    summary: 'Get a schedule with its next runs and recent run history',
    response: schedule.scheduleDetailSchema,
  },
  {
    method: 'post',
    path: '/v1/schedules/{name}/pause',
    summary: 'Pause a schedule (no tick runs or is caught up)',
    response: schedule.scheduleDetailSchema,
  },
  {
    method: 'post',
    path: '/v1/schedules/{name}/resume',
    summary: 'Resume a schedule from its next tick after now',
    response: schedule.scheduleDetailSchema,
  },
  {
    method: 'delete',
    path: '/v1/schedules/{name}',
    summary: 'Delete a schedule and its run history (its jobs stay)',
    status: 204,
  },
  { method: 'get', path: '/v1/users', summary: 'List users (admin)', response: list(api.userSchema) },
  {
    method: 'post',
    path: '/v1/users',
    summary: 'Create a user and its first token (admin)',
    body: api.createUserSchema,
    response: z.object({ user: api.userSchema, token: z.string() }),
    status: 201,
  },
  {
    method: 'patch',
    path: '/v1/users/{name}',
    summary: "Change a user's quotas (admin)",
    body: api.updateUserSchema,
    response: api.userSchema,
  },
  { method: 'post', path: '/v1/users/{name}/disable', summary: 'Disable a user (admin)', response: api.userSchema },
  { method: 'post', path: '/v1/users/{name}/enable', summary: 'Enable a user (admin)', response: api.userSchema },
  {
    method: 'delete',
    path: '/v1/users/{name}',
    summary: 'Delete a user (admin; ?force=true stops their unfinished jobs)',
    status: 204,
  },
  {
    method: 'post',
    path: '/v1/tokens',
    summary: 'Create an API token for yourself (name, ttlSeconds)',
    body: api.createTokenSchema,
    response: api.tokenSchema,
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/tokens',
    summary: 'List your API tokens (?user= for an admin)',
    response: list(api.tokenInfoSchema),
  },
  { method: 'delete', path: '/v1/tokens/{id}', summary: 'Revoke an API token', status: 204 },
  {
    method: 'get',
    path: '/v1/audit',
    summary: 'Security events, newest first (admin; action, limit, cursor)',
    response: list(api.auditEventSchema),
  },
  {
    method: 'get',
    path: '/v1/events',
    summary:
      'State changes as server-sent events (job, kind, state filters; since or Last-Event-ID resumes; follow=false ends at the present; 410 past retention)',
    events: api.eventSchema,
  },
  { method: 'get', path: '/v1/oss', summary: 'List your buckets' },
  { method: 'get', path: '/v1/oss/{bucket}', summary: 'List objects (prefix, limit, cursor)' },
  {
    method: 'put',
    path: '/v1/oss/{bucket}/{key}',
    summary: 'Upload an object (x-batch-sha256 checks it)',
    status: 201,
  },
  { method: 'get', path: '/v1/oss/{bucket}/{key}', summary: 'Download an object' },
];

function schema(s: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(s, { io, unrepresentable: 'any' });
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorBody = { 'application/json': { schema: schema(api.errorSchema, 'output') } };
  for (const route of ROUTES) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const ok = String(route.status ?? 200);
    const responses: Record<string, unknown> = {
      [ok]: route.response
        ? { description: 'OK', content: { 'application/json': { schema: schema(route.response, 'output') } } }
        : route.events
          ? {
              description: 'server-sent events: `id:` the event id, `event:` its kind, `data:` this JSON',
              content: { 'text/event-stream': { schema: schema(route.events, 'output') } },
            }
          : route.text
            ? { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }
            : { description: 'OK' },
      default: { description: 'Error', content: errorBody },
    };
    const op: Record<string, unknown> = { summary: route.summary, parameters: params, responses };
    if (route.open) op.security = [];
    if (route.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: schema(route.body, 'input') } } };
    (paths[route.path] ??= {})[route.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Batch API', version: BATCH_VERSION },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
