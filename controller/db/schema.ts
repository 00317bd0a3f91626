/**
 * The controller's tables. Intent and observation are kept apart: `desired` columns are written
 * by the controller (API, scheduler), `state` columns of attempts only from agents' reports.
 * Instance and task states are derived by the scheduler from attempts and instance counts.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { CommandProviderConfig, EnvironmentType, NodeIntent, NodeTemplate } from '../../protocol/api.js';
import type { NodeMetrics } from '../../protocol/messages.js';
import { ACTIVE_ATTEMPT_STATES, ACTIVE_JOB_STATES } from '../../protocol/states.js';
import { stateIn, stateValue } from './state-sql.js';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  /**
   * A small number of the user's own, unique and never reused: a node runs the user's tasks as
   * uid `first + number` of its task-uid range, the same on every node, so no two users ever
   * share an OS user anywhere.
   */
  number: serial('number').notNull().unique(),
  name: text('name').notNull().unique(),
  admin: boolean('admin').notNull().default(false),
  /** Overrides of the default quotas (SPEC §8); absent keys use the defaults. */
  quotas: jsonb('quotas').$type<Record<string, number>>().notNull().default({}),
  /**
   * Jobs not deleted, kept by submit and delete in the statements that insert and remove them:
   * its row lock is what makes the jobs quota hold under concurrent submits (jobs/submit.ts).
   */
  jobCount: integer('job_count').notNull().default(0),
  /** Schedules owned, kept like `jobCount`: its row lock makes the schedules quota hold. */
  scheduleCount: integer('schedule_count').notNull().default(0),
  /** Set by an admin: the user's tokens stop working at once; cleared to enable them again. */
  disabledAt: at('disabled_at'),
  createdAt: createdAt(),
});

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** sha256 of the token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  /** Written at most once a minute per token (access/tokens.ts), so a busy client costs no writes. */
  lastUsedAt: at('last_used_at'),
  /** Null: until revoked. */
  expiresAt: at('expires_at'),
});

export const templates = pgTable(
  'templates',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.name] })],
);

export const computeEnvironments = pgTable('compute_environments', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id),
  type: text('type').$type<EnvironmentType>().notNull(),
  /** Who creates and deletes its nodes (controller/providers/); `none` for hand-joined nodes. */
  provider: text('provider').notNull(),
  /** A shared environment can be used by every user's tasks; others only by their owner's. */
  shared: boolean('shared').notNull().default(false),
  desiredNodes: integer('desired_nodes').notNull().default(0),
  /** What each of its nodes is created as (protocol/api.ts `nodeTemplateSchema`). */
  template: jsonb('template').$type<NodeTemplate>().notNull().default({}),
  /** The `command` provider's programs; only an admin may set them (they run as the controller). */
  providerConfig: jsonb('provider_config').$type<{ command?: CommandProviderConfig }>().notNull().default({}),
  /** An auto environment creates at most this many nodes. */
  maxNodes: integer('max_nodes'),
  /** How long an auto environment keeps an idle node for reuse; null: the controller's default. */
  idleTimeoutSeconds: integer('idle_timeout_seconds'),
  /** Set by delete: its nodes are being removed, then the environment goes. */
  deleting: boolean('deleting').notNull().default(false),
  /**
   * When a deleted environment that past jobs' tasks still name was removed: the row stays for
   * their history, renamed `<name>~<id>` so that the name is free, and nothing uses it again.
   */
  removedAt: at('removed_at'),
  createdAt: createdAt(),
});

export const registrationTokens = pgTable('registration_tokens', {
  id: text('id').primaryKey(),
  environmentId: text('environment_id')
    .notNull()
    .references(() => computeEnvironments.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  expiresAt: at('expires_at'),
  /** How many nodes may register with it (1 for a provisioned node's own token); null: no limit. */
  maxUses: integer('max_uses'),
  uses: integer('uses').notNull().default(0),
  /** A provisioned node's own token: registering with it makes that PROVISIONING node READY. */
  nodeId: text('node_id'),
});

/**
 * Security events for admins (`GET /v1/audit`): tokens made and revoked, users made, disabled and
 * deleted, quota changes, node registrations and refusals, refused API tokens (aggregated per
 * address so that a flood of bad tokens writes a row a minute, not a row a request).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: createdAt(),
    /** Who did it: a user name, `node:<id>`, `controller`, or the address of an unknown caller. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull().default(''),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_events_action_idx').on(t.action, t.id)],
);

export const nodes = pgTable(
  'nodes',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => computeEnvironments.id),
    name: text('name').notNull(),
    state: text('state').notNull(),
    /**
     * Intent, kept apart from the observed `state`: `drain` (set by `drain`), `terminate` (scale-in,
     * an idle auto node, `nodes delete`, a lost or unbooted node of a provider).
     */
    desired: text('desired').$type<NodeIntent>().notNull().default('run'),
    /** The provider's name for the host (an instance id, a pid); null until it is created. */
    providerId: text('provider_id'),
    /**
     * Made by the environment's provider (it keeps the count); a node that joined by hand with a
     * registration token is not, and the environment's plan leaves it alone.
     */
    provisioned: boolean('provisioned').notNull().default(false),
    /** Why the node is in its state when that needs saying: a provider's error, a boot timeout. */
    message: text('message'),
    /** When it last had no active attempt; an auto environment deletes it after the idle timeout. */
    idleSince: at('idle_since'),
    terminatedAt: at('terminated_at'),
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    cpu: doublePrecision('cpu').notNull(),
    memoryMiB: integer('memory_mib').notNull(),
    gpu: integer('gpu').notNull().default(0),
    /** The GPUs its agent detected and offers (model, memory), as its hello said. */
    gpus: jsonb('gpus').$type<{ index: number; model: string; memoryMiB?: number }[]>().notNull().default([]),
    /** The last heartbeat's figures as the agent sent them (`at` in epoch ms; the API shows ISO). */
    metrics: jsonb('metrics').$type<NodeMetrics>(),
    credentialHash: text('credential_hash').notNull(),
    agentVersion: text('agent_version'),
    protocolVersion: integer('protocol_version'),
    hostname: text('hostname'),
    os: text('os'),
    arch: text('arch'),
    lastHeartbeatAt: at('last_heartbeat_at'),
    createdAt: createdAt(),
  },
  (t) => [index('nodes_environment_idx').on(t.environmentId)],
);

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    /** Submission order: FIFO within a priority. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    priority: integer('priority').notNull().default(0),
    state: text('state').notNull(),
    desired: text('desired').$type<'run' | 'stop'>().notNull().default('run'),
    /**
     * Intent: restarts asked for (jobs/restart.ts). The scheduler re-arms the job while it is
     * ahead of `restartsApplied`, which only the scheduler writes.
     */
    restartsRequested: integer('restarts_requested').notNull().default(0),
    restartsApplied: integer('restarts_applied').notNull().default(0),
    clientToken: text('client_token'),
    /**
     * sha256 of the submitted spec's canonical JSON (jobs/spec-hash.ts): a resubmit with the same
     * clientToken must carry the same spec. Null for jobs submitted before it was kept.
     */
    specHash: text('spec_hash'),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    startedAt: at('started_at'),
    endedAt: at('ended_at'),
  },
  (t) => [
    uniqueIndex('jobs_client_token_idx').on(t.ownerId, t.clientToken),
    index('jobs_owner_seq_idx').on(t.ownerId, t.seq),
    index('jobs_active_idx').on(t.priority, t.seq).where(stateIn('jobs', ACTIVE_JOB_STATES)),
    // The scheduler looks for restarts it has not applied yet; there are almost never any.
    index('jobs_restart_idx')
      .on(t.id)
      .where(sql`restarts_requested > restarts_applied`),
  ],
);

export const tasks = pgTable(
  'tasks',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Position in the topological order of the DAG. */
    position: integer('position').notNull(),
    state: text('state').notNull(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => computeEnvironments.id),
    instanceCount: integer('instance_count').notNull(),
    /**
     * Why this task's ready instances are still PENDING (NO_CAPACITY, PRIORITY, …): one row per
     * task rather than one write per waiting instance. Instance-specific reasons (DEPENDENCY,
     * BACKOFF) stay on the instance.
     */
    pendingReason: text('pending_reason'),
    /**
     * No instance below this index is PENDING. Claims start their index scan here instead of at
     * 0, so they never wade through the entries of instances claimed earlier (dead index entries
     * pile up faster than autovacuum removes them on a busy queue). Lowered whenever an
     * instance goes back to PENDING.
     */
    claimFrom: integer('claim_from').notNull().default(0),
    /** The resolved task (template merged, defaults filled): immutable after submit. */
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.name] })],
);

export const instances = pgTable(
  'instances',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    taskName: text('task_name').notNull(),
    index: integer('index').notNull(),
    state: text('state').notNull(),
    pendingReason: text('pending_reason'),
    /** Attempts created so far; the next attempt's number is this plus one. */
    attemptCount: integer('attempt_count').notNull().default(0),
    /** The only attempt whose reports may change this instance (fencing token). */
    currentAttemptId: bigint('current_attempt_id', { mode: 'number' }),
    /** A retry waits until then (backoff); NULL = as soon as placed. */
    notBefore: at('not_before'),
    /** Attempts up to this number belong to runs before the last restart: they spend no retries. */
    retryFloor: integer('retry_floor').notNull().default(0),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('instances_task_index_idx').on(t.jobId, t.taskName, t.index),
    index('instances_pending_idx')
      .on(t.jobId, t.taskName, t.index)
      .where(sql`state = ${stateValue('instances', 'PENDING')}`),
    // The scheduler asks for the earliest backoff end whenever it goes idle; without this it
    // scanned every pending instance to find the few in backoff.
    index('instances_backoff_idx')
      .on(t.notBefore)
      .where(sql`not_before IS NOT NULL`),
  ],
);

export const attempts = pgTable(
  'attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    instanceId: bigint('instance_id', { mode: 'number' })
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    jobId: text('job_id').notNull(),
    attempt: integer('attempt').notNull(),
    nodeId: text('node_id').notNull(),
    /** Written only from the node's reports (and by liveness when the node is lost). */
    state: text('state').notNull(),
    /** Intent: the controller wants this attempt killed. */
    desired: text('desired').$type<'run' | 'stop'>().notNull().default('run'),
    cpu: doublePrecision('cpu').notNull(),
    memoryMiB: integer('memory_mib').notNull(),
    gpu: integer('gpu').notNull(),
    /** From the agent: false when no other attempt could succeed (an unsafe package); null when not said. */
    retryable: boolean('retryable'),
    /** 'pending' while the attempt's logs still have to be written to its stdout/stderr prefixes. */
    logArchive: text('log_archive').$type<'pending' | 'done'>(),
    exitCode: integer('exit_code'),
    failureReason: text('failure_reason'),
    message: text('message'),
    createdAt: createdAt(),
    startedAt: at('started_at'),
    endedAt: at('ended_at'),
  },
  (t) => [
    uniqueIndex('attempts_instance_attempt_idx').on(t.instanceId, t.attempt),
    index('attempts_active_node_idx').on(t.nodeId).where(stateIn('attempts', ACTIVE_ATTEMPT_STATES)),
    index('attempts_log_archive_idx')
      .on(t.id)
      .where(sql`log_archive = 'pending'`),
  ],
);

export const logChunks = pgTable(
  'log_chunks',
  {
    attemptId: bigint('attempt_id', { mode: 'number' })
      .notNull()
      .references(() => attempts.id, { onDelete: 'cascade' }),
    stream: text('stream').$type<'stdout' | 'stderr'>().notNull(),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.stream, t.seq] })],
);

/** Object-storage buckets and who may use them: the first user to name a bucket owns it. */
export const buckets = pgTable('buckets', {
  name: text('name').primaryKey(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id),
  createdAt: createdAt(),
});

/**
 * Cron schedules (controller/schedules/): each submits its job spec as its owner at every tick.
 * `next_tick_at` is the first tick not yet handled; the ticker advances it after handling the
 * ticks that were due, and a paused schedule keeps it NULL.
 */
export const schedules = pgTable(
  'schedules',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull(),
    overlap: text('overlap').$type<'skip' | 'allow' | 'stopPrevious'>().notNull(),
    catchUp: text('catch_up').$type<'none' | 'latest'>().notNull(),
    /** The job spec as given (inline, or tasks naming templates), submitted at each tick. */
    job: jsonb('job').$type<Record<string, unknown>>().notNull(),
    paused: boolean('paused').notNull().default(false),
    nextTickAt: at('next_tick_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('schedules_owner_name_idx').on(t.ownerId, t.name),
    index('schedules_due_idx')
      .on(t.nextTickAt)
      .where(sql`next_tick_at IS NOT NULL`),
  ],
);

/**
 * One row per handled tick of a schedule: the UNIQUE (schedule, tick) is what makes a tick
 * submit one job however many controllers race for it and however often they restart.
 * `outcome` is NULL while a controller is submitting (since `claimed_at`).
 */
export const scheduleRuns = pgTable(
  'schedule_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    scheduleId: text('schedule_id')
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    tickAt: at('tick_at').notNull(),
    claimedAt: at('claimed_at').notNull(),
    outcome: text('outcome').$type<'SUBMITTED' | 'SKIPPED' | 'REFUSED' | 'MISSED'>(),
    /** The submitted job; it may have been deleted since (no foreign key: runs outlive jobs). */
    jobId: text('job_id'),
    reason: text('reason'),
    /** Ticks missed while no controller ran that this run stands for (catch-up). */
    missed: integer('missed').notNull().default(0),
  },
  (t) => [
    uniqueIndex('schedule_runs_tick_idx').on(t.scheduleId, t.tickAt),
    // Each ticker pass looks for claims whose controller died; there are almost never any.
    index('schedule_runs_unfinished_idx')
      .on(t.claimedAt)
      .where(sql`outcome IS NULL`),
  ],
);

/** PostgreSQL's 64-bit transaction id: written by `pg_current_xact_id()`, compared with snapshots. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * State changes of jobs, tasks, instances, nodes and compute environments, for `GET /v1/events`.
 * Rows are written by statement-level triggers (migration 0012) in the statement that changes
 * the state, so an event exists exactly when its change committed, whoever wrote it. `xid` is
 * the writing transaction: the stream is delivered in (xid, id) order and only below the oldest
 * running transaction, which is what makes resuming gap-free (controller/events/README.md).
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    createdAt: createdAt(),
    /** Whose event it is: the job's owner, or the environment's for node and environment events. */
    ownerId: text('owner_id').notNull(),
    kind: text('kind').$type<'job' | 'task' | 'instance' | 'node' | 'environment' | 'schedule'>().notNull(),
    jobId: text('job_id'),
    task: text('task'),
    instance: integer('instance'),
    attempt: integer('attempt'),
    nodeId: text('node_id'),
    environment: text('environment'),
    state: text('state').notNull(),
    reason: text('reason'),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  // No index on created_at: each one costs every state change a write; retention purges by id.
  (t) => [index('events_xid_id_idx').on(t.xid, t.id)],
);

/**
 * The controllers sharing this database (several may, on PostgreSQL): each writes its row at
 * start and heartbeats it every few seconds, with how many agents are connected to it, so any
 * controller can say who is there (`GET /v1/controllers`). Rows of controllers gone for long are
 * deleted by whoever holds the `retention` lease.
 */
export const controllers = pgTable('controllers', {
  id: text('id').primaryKey(),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  url: text('url').notNull(),
  version: text('version').notNull(),
  connectedNodes: integer('connected_nodes').notNull().default(0),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** Set on a clean shutdown; a crashed controller's row just stops being seen. */
  stoppedAt: at('stopped_at'),
});

/**
 * Who runs each singleton duty (lost-node detection, the node pools, schedules, the log archive,
 * retention). A lease is taken or renewed by one conditional upsert that succeeds only when the
 * row is free, expired, or already the caller's; `expires_at` is the database's clock, so the
 * controllers' clocks need not agree (controller/cluster/README.md).
 */
export const controllerLeases = pgTable('controller_leases', {
  duty: text('duty').primaryKey(),
  holder: text('holder').notNull(),
  acquiredAt: timestamp('acquired_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  renewedAt: timestamp('renewed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});
