/**
 * Shapes of the HTTP API's resources (SPEC §6). The controller builds responses of these types,
 * the SDK returns them, and the OpenAPI document is generated from these same schemas.
 */
import { z } from 'zod';
import {
  ATTEMPT_STATES,
  FAILURE_REASONS,
  INSTANCE_STATES,
  JOB_STATES,
  NODE_STATES,
  PENDING_REASONS,
  TASK_STATES,
} from './states.js';
import { ERROR_CODES } from './errors.js';
import { shortText } from './limits.js';
import { idleTimeoutSecondsSchema, nodeTemplateSchema } from './node-template.js';
export { nodeTemplateSchema } from './node-template.js';
import { nameSchema } from './spec.js';
import { metricFigures } from './node-metrics.js';

const timestamp = z.string().describe('ISO-8601 time');
const counts = z.record(z.string(), z.number().int()).describe('instances per state');

export const attemptSchema = z
  .object({
    attempt: z.number().int().min(1),
    id: z.number().int(),
    nodeId: z.string().nullable(),
    state: z.enum(ATTEMPT_STATES),
    exitCode: z.number().int().nullable(),
    failureReason: z.enum(FAILURE_REASONS).nullable(),
    message: z.string().nullable(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
  })
  .meta({ id: 'Attempt' });

export const instanceSchema = z
  .object({
    index: z.number().int().min(0),
    state: z.enum(INSTANCE_STATES),
    pendingReason: z.enum(PENDING_REASONS).optional(),
    attempts: z.array(attemptSchema),
  })
  .meta({ id: 'Instance' });

export const taskViewSchema = z
  .object({
    name: z.string(),
    state: z.enum(TASK_STATES),
    instances: z.number().int(),
    counts,
    dependsOn: z.array(z.object({ task: z.string(), on: z.string(), per: z.string() })),
    computeEnvironment: z.string(),
    command: z.string(),
    template: z.string().optional(),
  })
  .meta({ id: 'TaskView' });

export const jobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.enum(JOB_STATES),
    priority: z.number().int(),
    owner: z.string(),
    clientToken: z.string().optional(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
    counts,
    tasks: z.array(taskViewSchema),
  })
  .meta({ id: 'Job' });

/**
 * A node's last heartbeat figures. `at` is when the agent measured, as an ISO time; the agent
 * sends epoch milliseconds on its own wire (protocol/messages.ts), the controller converts.
 */
export const nodeMetricsSchema = z.object({ ...metricFigures, at: timestamp }).meta({ id: 'NodeMetrics' });

export const nodeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.enum(NODE_STATES),
    environment: z.string(),
    labels: z.record(z.string(), z.string()),
    capacity: z.object({ cpu: z.number(), memoryMiB: z.number(), gpu: z.number() }),
    allocated: z.object({ cpu: z.number(), memoryMiB: z.number(), gpu: z.number() }),
    /** The GPUs the agent detected and offers (`capacity.gpu` of them). */
    gpus: z.array(z.object({ index: z.number().int(), model: z.string(), memoryMiB: z.number().int().optional() })),
    metrics: nodeMetricsSchema.nullable(),
    agentVersion: z.string().nullable(),
    lastHeartbeatAt: timestamp.nullable(),
    createdAt: timestamp,
    /** The provider's name for the host; null for hand-joined nodes and before it is created. */
    providerId: z.string().nullable(),
    /** Why it is in its state, when that needs saying (a provider's error, a boot timeout). */
    message: z.string().nullable(),
    /** `run`, `drain` or `terminate`: what was asked of it. */
    desired: z.enum(['run', 'drain', 'terminate']),
    terminatedAt: timestamp.nullable(),
  })
  .meta({ id: 'Node' });

export const templateSchema = z
  .object({
    name: z.string(),
    owner: z.string(),
    spec: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Template' });

/**
 * Environment types: `managed` is kept at `desiredNodes` by its provider; `auto` gets nodes
 * created as its tasks' instances become ready and deleted when idle; `unmanaged` has the nodes
 * that join it by hand with a registration token (nothing creates or deletes them).
 */
export const ENVIRONMENT_TYPES = ['managed', 'auto', 'unmanaged'] as const;
/** `none`: nodes join by hand; `manual` is its earlier name, still accepted. */
export const PROVIDERS = ['none', 'local', 'command'] as const;

const argv = z
  .array(z.string().min(1, 'arguments must not be empty').max(4096, 'arguments must be at most 4096 characters'))
  .min(1, 'must name a program')
  .max(64, 'must have at most 64 arguments');
/** The `command` provider's programs (argument vectors, run without a shell). */
export const commandProviderSchema = z
  .strictObject({
    create: argv,
    delete: argv,
    list: argv.optional(),
    /**
     * `create` gets every node of a round in one call (`{ action, nodes: [...] }`, answering
     * `{ hosts: [{ nodeId, providerId }] }`), as Slurm's ResumeProgram gets a host list.
     */
    batchCreate: z.boolean().default(false),
    timeoutSeconds: z.number().int().min(1).max(3600, 'must be at most 3600').default(300),
  })
  .meta({ id: 'CommandProvider' });

export const computeEnvironmentSchema = z
  .object({
    name: z.string(),
    type: z.enum(ENVIRONMENT_TYPES),
    provider: z.enum(PROVIDERS),
    owner: z.string(),
    shared: z.boolean(),
    desiredNodes: z.number().int(),
    maxNodes: z.number().int().nullable(),
    idleTimeoutSeconds: z.number().int().nullable(),
    template: nodeTemplateSchema,
    /** Shown to its owner and admins only: the programs the controller runs. */
    command: commandProviderSchema.optional(),
    deleting: z.boolean(),
    nodes: counts.describe('nodes per state'),
    createdAt: timestamp,
  })
  .meta({ id: 'ComputeEnvironment' });

export const createEnvironmentSchema = z
  .strictObject({
    name: nameSchema,
    /** Default: `managed` when a provider is named, `unmanaged` when none is. */
    type: z.enum(ENVIRONMENT_TYPES).optional(),
    provider: z.enum([...PROVIDERS, 'manual']).optional(),
    desiredNodes: z.number().int().min(0).default(0),
    maxNodes: z.number().int().min(1, 'must be at least 1').optional(),
    idleTimeoutSeconds: idleTimeoutSecondsSchema.optional(),
    template: nodeTemplateSchema.default({}),
    command: commandProviderSchema.optional(),
    shared: z.boolean().default(false),
  })
  .meta({ id: 'CreateComputeEnvironment' });

export const scaleEnvironmentSchema = z
  .strictObject({
    desiredNodes: z.number().int().min(0),
    /** Scale-in may delete busy nodes, their running instances re-queued; without it they finish first. */
    force: z.boolean().default(false),
  })
  .meta({ id: 'ScaleComputeEnvironment' });

/** How long a token lives: from a minute to a year. */
const ttlSeconds = z
  .number()
  .int()
  .min(60, 'must be at least 60 (a minute)')
  .max(366 * 24 * 3600, 'must be at most a year');

export const REGISTRATION_TOKEN_DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
export const createRegistrationTokenSchema = z
  .strictObject({
    ttlSeconds: ttlSeconds.default(REGISTRATION_TOKEN_DEFAULT_TTL_SECONDS),
    /** How many nodes may register with it; absent: any number until it expires. */
    maxUses: z.number().int().min(1).max(100_000).optional(),
  })
  .meta({ id: 'CreateRegistrationToken' });
export const registrationTokenSchema = z
  .object({
    id: z.string(),
    environment: z.string(),
    token: z.string(),
    expiresAt: timestamp.nullable(),
    maxUses: z.number().int().nullable(),
  })
  .meta({ id: 'RegistrationToken' });
/** A registration token as listed: never the token itself. */
export const registrationTokenInfoSchema = z
  .object({
    id: z.string(),
    environment: z.string(),
    createdBy: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    maxUses: z.number().int().nullable(),
    uses: z.number().int(),
  })
  .meta({ id: 'RegistrationTokenInfo' });

const QUOTA_NAMES = [
  'computeEnvironments',
  'nodesPerEnvironment',
  'runningInstances',
  'jobs',
  'tasksPerJob',
  'instancesPerTask',
  'schedules',
] as const;
export const quotasSchema = z
  .strictObject(
    {
      computeEnvironments: z.number().int().min(0),
      nodesPerEnvironment: z.number().int().min(0),
      runningInstances: z.number().int().min(0),
      jobs: z.number().int().min(0),
      tasksPerJob: z.number().int().min(1),
      instancesPerTask: z.number().int().min(1),
      schedules: z.number().int().min(0),
    } satisfies Record<(typeof QUOTA_NAMES)[number], z.ZodType>,
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown quota; the quotas are ${QUOTA_NAMES.join(', ')}` : undefined,
    },
  )
  .partial()
  .describe('per-user overrides of the default quotas (docs/job-spec.md, "Quotas", lists them and their defaults)')
  .meta({ id: 'Quotas' });
export const userSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    admin: z.boolean(),
    /** A disabled user's tokens are refused. */
    disabled: z.boolean(),
    quotas: z.record(z.string(), z.number()),
    /** What the user holds of the quotas that count things. */
    usage: z.object({ jobs: z.number().int(), computeEnvironments: z.number().int(), schedules: z.number().int() }),
    createdAt: timestamp,
  })
  .meta({ id: 'User' });
/** `POST /v1/users`: the new user and their first token, shown only this once. */
export const createdUserSchema = z.object({ user: userSchema, token: z.string() }).meta({ id: 'CreatedUser' });
export const updateUserSchema = z.strictObject({ quotas: quotasSchema }).meta({ id: 'UpdateUser' });
export const createUserSchema = z
  .strictObject({ name: nameSchema, admin: z.boolean().default(false) })
  .meta({ id: 'CreateUser' });
export const createTokenSchema = z
  .strictObject({
    name: shortText(64).pipe(z.string().min(1)).default('cli'),
    /** Absent: the token lives until revoked. */
    ttlSeconds: ttlSeconds.optional(),
  })
  .meta({ id: 'CreateToken' });
export const tokenSchema = z
  .object({
    id: z.string(),
    token: z.string(),
    user: z.string(),
    name: z.string(),
    expiresAt: timestamp.nullable(),
  })
  .meta({ id: 'Token' });
/** An API token as listed: never the token itself. */
export const tokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    user: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable().describe('to the minute'),
    expiresAt: timestamp.nullable(),
  })
  .meta({ id: 'TokenInfo' });
export const auditEventSchema = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

/** What `GET /v1/events` reports on. */
export const EVENT_KINDS = ['job', 'task', 'instance', 'node', 'environment', 'schedule'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
/** What an environment event says happened (environments have no state of their own). */
export const ENVIRONMENT_EVENTS = ['CREATED', 'SCALED', 'DELETED'] as const;

/**
 * One state change, as `data:` of a server-sent event. `id` is unique and stored; the stream's
 * order is the order the changes committed in, and `?since=`/`Last-Event-ID` resume after an id.
 */
export const eventSchema = z
  .object({
    id: z.number().int(),
    at: timestamp,
    kind: z.enum(EVENT_KINDS),
    state: z.string().describe('the new state (an environment: CREATED, SCALED, DELETED; a schedule run: its outcome)'),
    reason: z.string().optional().describe('a pending reason, or the failure reason of the attempt that ended'),
    jobId: z.string().optional(),
    task: z.string().optional(),
    instance: z.number().int().optional(),
    attempt: z.number().int().optional(),
    nodeId: z.string().optional(),
    environment: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Event' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      field: z.string().optional(),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

/** A bucket of the object store (`GET /v1/oss`). */
export const bucketSchema = z
  .object({ name: z.string(), url: z.string(), createdAt: timestamp })
  .meta({ id: 'Bucket' });

/** An object of the object store (`GET /v1/oss/{bucket}`, `PUT /v1/oss/{bucket}/{key}`). */
export const objectEntrySchema = z
  .object({
    url: z.string(),
    key: z.string(),
    size: z.number().int(),
    lastModified: timestamp,
    sha256: z.string().optional(),
  })
  .meta({ id: 'ObjectEntry' });

/** A controller sharing the database (`GET /v1/controllers`, admin). */
export const controllerSchema = z
  .object({
    id: z.string().describe('new at every start of the process'),
    hostname: z.string(),
    pid: z.number().int(),
    url: z.string().describe('where it serves the API and the agent gateway'),
    version: z.string(),
    state: z.enum(['up', 'stopped', 'silent']).describe('silent: not heard from for over 10 s (crashed?)'),
    connectedNodes: z.number().int().describe('agents connected to it, at its last heartbeat'),
    leases: z.array(z.string()).describe('the singleton duties it holds: lost-nodes, node-pools, schedules, …'),
    startedAt: timestamp,
    lastSeenAt: timestamp,
  })
  .meta({ id: 'Controller' });

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().optional() });
}

export type Attempt = z.infer<typeof attemptSchema>;
export type Instance = z.infer<typeof instanceSchema>;
export type TaskView = z.infer<typeof taskViewSchema>;
export type Job = z.infer<typeof jobSchema>;
export type Node = z.infer<typeof nodeSchema>;
export type Template = z.infer<typeof templateSchema>;
export type ComputeEnvironment = z.infer<typeof computeEnvironmentSchema>;
export type CreateEnvironment = z.input<typeof createEnvironmentSchema>;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];
export type ProviderName = (typeof PROVIDERS)[number];
export type { NodeTemplate } from './node-template.js';
export type CommandProviderConfig = z.output<typeof commandProviderSchema>;
export type NodeIntent = Node['desired'];
/** A create request as validated, defaults filled in. */
export type CreateEnvironmentRequest = z.output<typeof createEnvironmentSchema>;
export type RegistrationToken = z.infer<typeof registrationTokenSchema>;
export type User = z.infer<typeof userSchema>;
export type Token = z.infer<typeof tokenSchema>;
export type TokenInfo = z.infer<typeof tokenInfoSchema>;
export type RegistrationTokenInfo = z.infer<typeof registrationTokenInfoSchema>;
export type AuditEvent = z.infer<typeof auditEventSchema>;
export type BatchEvent = z.infer<typeof eventSchema>;
export type CreatedUser = z.infer<typeof createdUserSchema>;
export type Bucket = z.infer<typeof bucketSchema>;
export type ObjectEntry = z.infer<typeof objectEntrySchema>;
export type ControllerInfo = z.infer<typeof controllerSchema>;
export interface List<T> {
  items: T[];
  next?: string;
}
