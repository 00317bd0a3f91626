/**
 * The agent ↔ controller message catalogue. One entry per message, with its direction and the
 * protocol version that introduced it. A WebSocket frame carries an array of messages, so both
 * sides can batch (log chunks, status changes) without a second envelope type.
 *
 * Adding a message:
 *  1. add its schema here with a `@since` and a direction, and add it to the right union;
 *  2. handle it in the receiver's exhaustive `switch` (controller/gateway or agent/connection);
 *  3. only ever add optional fields to an existing message; never rename or retype one;
 *  4. bump PROTOCOL_VERSION in version.ts if an old peer would misread the new shape.
 * Unknown kinds are logged and ignored by the receiver, so a newer peer can talk to an older one.
 */
import { z } from 'zod';
import { labelsSchema, shortText } from './limits.js';
import { metricFigures } from './node-metrics.js';
import { FAILURE_REASONS } from './states.js';

export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * @since 1 — WebSocket close codes the controller closes an agent's connection with, besides the
 * standard ones (1002 protocol error, 1008 no hello in time, 1011 internal error). 4000-4999 are
 * the application's range (RFC 6455 §7.4.2).
 */
export const CLOSE_CODES = {
  /** A newer connection of the same node replaced this one; the agent has moved on. */
  REPLACED: 4000,
  /** The handshake was refused; a `reject` message before the close says why. */
  REJECTED: 4001,
  /** Liveness declared the node LOST; the agent reconnects and resyncs. */
  LOST: 4002,
  /** The node was terminated (deleted, scaled in); a reconnect is refused with NODE_TERMINATED. */
  TERMINATED: 4003,
} as const;
export const MAX_LOG_CHUNK_BYTES = 256 * 1024;
export const MAX_MESSAGES_PER_FRAME = 4096;

const attemptId = z.number().int().positive();
const capacity = z.strictObject({
  cpu: z.number().positive(),
  memoryMiB: z.number().int().min(0),
  gpu: z.number().int().min(0),
});
/**
 * One GPU behind `capacity.gpu`, as nvidia-smi describes it. Not inside `capacity`: that object
 * is strict, so a controller of before this field would refuse the whole hello.
 */
const gpuDevice = z.object({
  /** nvidia-smi's index (PCI bus order). */
  index: z.number().int().min(0),
  model: shortText(128),
  /** Absent when nvidia-smi says `[N/A]`. */
  memoryMiB: z.number().int().min(0).optional(),
});
const stream = z.enum(['stdout', 'stderr']);
const reportedState = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED']);

export const metricsSchema = z.object({ ...metricFigures, at: z.number() });
export type NodeMetrics = z.infer<typeof metricsSchema>;

// ---------------------------------------------------------------------------------------------
// agent → controller

/** @since 1 — first message on every connection; authenticates and describes the node. */
export const helloSchema = z.object({
  kind: z.literal('hello'),
  protocolVersion: z.number().int(),
  agentVersion: shortText(64),
  /** First start: a registration token; afterwards the node's own id and credential. */
  auth: z.union([
    z.object({ registrationToken: z.string().min(1).max(256) }),
    z.object({ nodeId: z.string().min(1).max(64), credential: z.string().min(1).max(256) }),
  ]),
  hostname: shortText(255),
  os: shortText(32),
  arch: shortText(32),
  capacity,
  /** Bounded like every label (protocol/limits.ts): a node's labels are in every placement. */
  labels: labelsSchema,
  capabilities: z.array(shortText(64)).max(64),
  /**
   * @since 2 — the GPUs offered (`capacity.gpu` of them), where the agent could describe them;
   * absent on nodes without NVIDIA GPUs or with a bare `--gpu` count. Optional and dropped by
   * controllers that do not know it, so no version bump.
   */
  gpus: z.array(gpuDevice).max(256).optional(),
  /** Attempts this agent is still running or holds unacknowledged results for (reconnect). */
  running: z.array(attemptId).max(100_000),
});

/** @since 1 — periodic liveness and metrics. */
export const heartbeatSchema = z.object({
  kind: z.literal('heartbeat'),
  metrics: metricsSchema.optional(),
  running: z.array(attemptId).max(100_000),
});

/** @since 1 — an attempt started or ended on the node. `at` is the agent's clock (ms). */
export const attemptStatusSchema = z.object({
  kind: z.literal('attemptStatus'),
  attemptId,
  state: reportedState,
  exitCode: z.number().int().nullable().optional(),
  failureReason: z.enum(FAILURE_REASONS).optional(),
  message: z.string().max(4096).optional(),
  /**
   * @since 2 — with a failure: whether another attempt could succeed. `false` (an unsafe
   * package, a digest that does not match) fails the instance at once, whatever its `retries`;
   * absent (protocol 1 agents, command failures) leaves it to the task's retry policy.
   */
  retryable: z.boolean().optional(),
  at: z.number(),
});

/** @since 1 — a piece of an attempt's stdout or stderr; `seq` counts from 0 per (attempt, stream). */
export const logChunkSchema = z.object({
  kind: z.literal('logChunk'),
  attemptId,
  stream,
  seq: z.number().int().min(0),
  data: z.instanceof(Uint8Array).refine((d) => d.byteLength <= MAX_LOG_CHUNK_BYTES, 'log chunk too large'),
});

/**
 * @since 1 — after the command, the files the agent is about to upload (per `outputs`). The
 * controller answers with an `uploadGrant` holding one signed PUT URL per file.
 */
export const uploadRequestSchema = z.object({
  kind: z.literal('uploadRequest'),
  attemptId,
  requestId: z.number().int().min(0),
  files: z.array(z.object({ path: z.string().min(1).max(4096), size: z.number().int().min(0) })).max(100_000),
});

// ---------------------------------------------------------------------------------------------
// controller → agent

/** @since 1 — handshake accepted. `credential` is sent once, when a registration token was used. */
export const welcomeSchema = z.object({
  kind: z.literal('welcome'),
  protocolVersion: z.number().int(),
  controllerVersion: z.string(),
  nodeId: z.string(),
  credential: z.string().optional(),
  heartbeatIntervalMs: z.number().int().positive(),
  capabilities: z.array(z.string()),
});

/** @since 1 — handshake refused; the connection closes after it. The agent logs `message`. */
export const rejectSchema = z.object({
  kind: z.literal('reject'),
  code: z.enum(['UNAUTHENTICATED', 'PROTOCOL_UNSUPPORTED', 'BAD_MESSAGE', 'NODE_TERMINATED']),
  message: z.string(),
  /** When false the agent should not retry with the same credentials. */
  retryable: z.boolean(),
});

/** A presigned (or controller-signed) URL: the only way an agent reaches object storage. */
const signedUrl = z.url().max(8192);

const packageSchema = z.object({
  /** The oss:// URL the user wrote, for messages. */
  source: z.string(),
  url: signedUrl,
  /** Cache key and check: `sha256:<hex>` (verified after download) or `etag:<value>` (size only). */
  digest: z.string().max(200),
  size: z.number().int().min(0),
});

const stagedInputSchema = z.object({
  source: z.string(),
  url: signedUrl,
  /** Relative to the work dir, `/`-separated, never absolute and never with `..`. */
  path: z.string().min(1).max(4096),
  size: z.number().int().min(0).optional(),
});

const outputSchema = z.object({
  /** A file or directory relative to the work dir (a trailing `/` means a directory). */
  path: z.string().min(1).max(4096),
  /** Where it goes, for messages: an oss:// key or prefix. */
  destination: z.string(),
});

const mountSchema = z.object({
  type: z.enum(['cfs', 'oss', 'disk']),
  source: z.string(),
  target: z.string(),
  readOnly: z.boolean().optional(),
  options: z.string().optional(),
  fsType: z.string().optional(),
  formatIfEmpty: z.boolean().optional(),
  /**
   * For `oss` mounts only: the S3 endpoint and a key pair the operator set aside for mounts
   * (FUSE needs keys; presigned URLs cannot serve a file system). Written to a 0600 file for
   * the mount and removed after it.
   */
  s3: z
    .object({
      endpoint: z.string(),
      region: z.string(),
      bucket: z.string(),
      prefix: z.string(),
      accessKeyId: z.string(),
      secretAccessKey: z.string(),
      pathStyle: z.boolean(),
    })
    .optional(),
});

/** @since 1 — run one attempt of an instance. */
export const startAttemptSchema = z.object({
  kind: z.literal('startAttempt'),
  attemptId,
  jobId: z.string(),
  jobName: z.string(),
  /**
   * @since 2 — who the attempt belongs to (an opaque id, the job's owner). A node runs each
   * tenant's attempts as an OS user of that tenant's own, so tenants sharing a node cannot read
   * each other's processes or files. Absent (protocol 1): one tenant for everything.
   */
  tenant: z.string().max(64).optional(),
  /**
   * @since 2 — the tenant's number, unique per controller and never reused: its OS user is uid
   * `first + tenantNumber` of the node's task-uid range, so every node maps it the same way.
   */
  tenantNumber: z.number().int().min(0).optional(),
  taskName: z.string(),
  index: z.number().int().min(0),
  count: z.number().int().min(1),
  attempt: z.number().int().min(1),
  command: z.string(),
  env: z.record(z.string(), z.string()),
  timeoutSeconds: z.number().int().min(0),
  computeEnvironment: z.string(),
  /** @since 1 — a zip to unpack into the work dir before the command; `url` is a signed GET. */
  package: packageSchema.optional(),
  /** @since 1 — objects to download before the command, each to a path in the work dir. */
  inputs: z.array(stagedInputSchema).max(100_000).optional(),
  /** @since 1 — work-dir paths to upload afterwards; the agent asks for upload URLs then. */
  outputs: z.array(outputSchema).max(1000).optional(),
  uploadOn: z.enum(['success', 'failure', 'always']).optional(),
  /** @since 1 — storage to mount before the command and unmount after it. */
  mounts: z.array(mountSchema).max(64).optional(),
  /**
   * @since 2 — what the instance was placed with (the task's `resources`). The agent gives it
   * `gpu` devices of its own (CUDA_VISIBLE_DEVICES). Absent (older controllers): the agent
   * leaves the GPU variables alone, as before. Optional and ignored by older agents.
   */
  resources: z
    .object({ cpu: z.number().min(0), memoryMiB: z.number().int().min(0), gpu: z.number().int().min(0) })
    .optional(),
});

/** @since 1 — stop an attempt and its whole process tree. */
export const killAttemptSchema = z.object({
  kind: z.literal('killAttempt'),
  attemptId,
  reason: z.enum(['STOPPED', 'TIMEOUT', 'SUPERSEDED']),
});

/**
 * @since 1 — what the controller has durably stored: final statuses by attempt, and for each
 * (attempt, stream) the highest seq below which every chunk is stored. The agent forgets those.
 */
export const ackSchema = z.object({
  kind: z.literal('ack'),
  statuses: z.array(z.object({ attemptId, state: reportedState })),
  logs: z.array(z.object({ attemptId, stream, seq: z.number().int().min(0) })),
});

/** @since 1 — answer to `uploadRequest`: where to PUT each file, or why not. */
export const uploadGrantSchema = z.object({
  kind: z.literal('uploadGrant'),
  attemptId,
  requestId: z.number().int().min(0),
  uploads: z.array(z.object({ path: z.string(), destination: z.string(), url: signedUrl })),
  error: z.string().optional(),
});

export const agentMessageSchema = z.discriminatedUnion('kind', [
  helloSchema,
  heartbeatSchema,
  attemptStatusSchema,
  logChunkSchema,
  uploadRequestSchema,
]);
export const controllerMessageSchema = z.discriminatedUnion('kind', [
  welcomeSchema,
  rejectSchema,
  startAttemptSchema,
  killAttemptSchema,
  ackSchema,
  uploadGrantSchema,
]);

export type Hello = z.infer<typeof helloSchema>;
export type Heartbeat = z.infer<typeof heartbeatSchema>;
export type AttemptStatus = z.infer<typeof attemptStatusSchema>;
export type LogChunk = z.infer<typeof logChunkSchema>;
export type Welcome = z.infer<typeof welcomeSchema>;
export type Reject = z.infer<typeof rejectSchema>;
export type StartAttempt = z.infer<typeof startAttemptSchema>;
export type KillAttempt = z.infer<typeof killAttemptSchema>;
export type Ack = z.infer<typeof ackSchema>;
export type UploadRequest = z.infer<typeof uploadRequestSchema>;
export type UploadGrant = z.infer<typeof uploadGrantSchema>;
export type StagedPackage = z.infer<typeof packageSchema>;
export type StagedInput = z.infer<typeof stagedInputSchema>;
export type StagedOutput = z.infer<typeof outputSchema>;
export type MountRequest = z.infer<typeof mountSchema>;
export type AgentMessage = z.infer<typeof agentMessageSchema>;
export type ControllerMessage = z.infer<typeof controllerMessageSchema>;
export type NodeCapacity = z.infer<typeof capacity>;
export type GpuDescription = z.infer<typeof gpuDevice>;

export const AGENT_MESSAGE_KINDS: ReadonlySet<string> = new Set(
  agentMessageSchema.options.map((o) => o.shape.kind.value),
);
export const CONTROLLER_MESSAGE_KINDS: ReadonlySet<string> = new Set(
  controllerMessageSchema.options.map((o) => o.shape.kind.value),
);

export function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
