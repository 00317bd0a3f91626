/** The controller's configuration, read once from the environment (SPEC §7) and checked. */
import os from 'node:os';
import path from 'node:path';
import { parseLogLevel, type LogLevel } from '../protocol/log-format.js';
import type { S3Settings } from './storage/s3-store.js';

export interface ControllerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  /** Agent processes of the built-in `local` environment started on this host. */
  localNodes: number;
  adminToken?: string;
  /** The URL agents and users reach this controller at (printed at start). */
  publicUrl?: string;
  heartbeatIntervalMs: number;
  /** A node silent for this long is LOST. */
  nodeLostAfterMs: number;
  /**
   * Compute environment for tasks that name none; absent (the default): an auto environment of
   * the task's owner on `nodes.defaultProvider` (SPEC §2).
   */
  defaultEnvironment?: string;
  nodes: NodeLifecycleConfig;
  /** Delay before the first retry of a failed attempt; doubles each retry up to the max. */
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** S3-compatible object storage; absent = a local directory store under the data dir. */
  oss?: S3Settings;
  /** A key pair only for `oss` mounts (FUSE needs keys); absent = oss mounts are refused. */
  ossMount?: { accessKeyId: string; secretAccessKey: string };
  ossMaxUploadBytes: number;
  logLevel: LogLevel;
  /** A token that may read /metrics and nothing else (a Prometheus scrape); absent = admin tokens only. */
  metricsToken?: string;
  events: EventConfig;
}

/** Nodes that providers create and delete (controller/environments/pool.ts). */
export interface NodeLifecycleConfig {
  /** A PROVISIONING node whose agent has not registered by then is deleted and replaced. */
  bootTimeoutMs: number;
  /** How long an auto environment keeps an idle node for the next work before deleting it. */
  idleTimeoutMs: number;
  /** TERMINATED nodes are listed (`nodes --all`) for this long, then purged. */
  retentionMs: number;
  /** Provider calls (create, delete) in flight at once. */
  concurrency: number;
  /** The provider of the auto environments made for tasks that name no environment. */
  defaultProvider: 'local';
}

/** The event stream (`GET /v1/events`, controller/events/). */
export interface EventConfig {
  retentionHours: number;
  heartbeatMs: number;
  /** How often the reader looks for other controllers' events when nothing woke it. */
  pollMs: number;
  /** Events queued for one slow client before it is cut off. */
  bufferLimit: number;
  streamsPerUser: number;
  streamsTotal: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw}: must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const databaseUrl = env.BATCH_DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('BATCH_DATABASE_URL: must be a postgres:// URL (leave it unset for the embedded PGlite)');
  }
  const logLevel = parseLogLevel(env.BATCH_LOG_LEVEL);
  if (typeof logLevel !== 'string') throw new ConfigError(logLevel.error);
  const config: ControllerConfig = {
    logLevel,
    host: env.BATCH_HOST || '127.0.0.1',
    port: integer(env, 'BATCH_PORT', 8080, 0, 65535),
    dataDir: path.resolve(env.BATCH_DATA_DIR || path.join(os.homedir(), '.batch')),
    localNodes: integer(env, 'BATCH_LOCAL_NODES', 2, 0, 64),
    heartbeatIntervalMs: integer(env, 'BATCH_HEARTBEAT_INTERVAL_MS', 5000, 100, 600_000),
    nodeLostAfterMs: integer(env, 'BATCH_NODE_LOST_AFTER_MS', 30_000, 500, 3_600_000),
    nodes: {
      bootTimeoutMs: integer(env, 'BATCH_NODE_BOOT_TIMEOUT_SECONDS', 600, 1, 86_400) * 1000,
      idleTimeoutMs: integer(env, 'BATCH_AUTO_IDLE_TIMEOUT_SECONDS', 60, 0, 7 * 86_400) * 1000,
      retentionMs: integer(env, 'BATCH_NODE_RETENTION_HOURS', 24, 1, 24 * 366) * 3_600_000,
      concurrency: integer(env, 'BATCH_PROVIDER_CONCURRENCY', 32, 1, 1024),
      defaultProvider: 'local',
    },
    retryBackoffMs: integer(env, 'BATCH_RETRY_BACKOFF_MS', 1000, 0, 3_600_000),
    retryBackoffMaxMs: integer(env, 'BATCH_RETRY_BACKOFF_MAX_MS', 300_000, 0, 86_400_000),
    ossMaxUploadBytes: integer(env, 'BATCH_OSS_MAX_UPLOAD_BYTES', 5 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    events: {
      retentionHours: integer(env, 'BATCH_EVENT_RETENTION_HOURS', 24, 1, 24 * 366),
      heartbeatMs: integer(env, 'BATCH_EVENT_HEARTBEAT_MS', 15_000, 100, 600_000),
      pollMs: integer(env, 'BATCH_EVENT_POLL_MS', 250, 10, 60_000),
      bufferLimit: integer(env, 'BATCH_EVENT_BUFFER', 10_000, 10, 1_000_000),
      streamsPerUser: integer(env, 'BATCH_EVENT_STREAMS_PER_USER', 16, 1, 100_000),
      streamsTotal: integer(env, 'BATCH_EVENT_STREAMS_MAX', 2048, 1, 100_000),
    },
  };
  if (databaseUrl) config.databaseUrl = databaseUrl;
  if (env.BATCH_DEFAULT_ENVIRONMENT) config.defaultEnvironment = env.BATCH_DEFAULT_ENVIRONMENT;
  if (env.BATCH_ADMIN_TOKEN) {
    if (env.BATCH_ADMIN_TOKEN.length < 16) throw new ConfigError('BATCH_ADMIN_TOKEN: must be at least 16 characters');
    config.adminToken = env.BATCH_ADMIN_TOKEN;
  }
  if (env.BATCH_METRICS_TOKEN) {
    if (env.BATCH_METRICS_TOKEN.length < 16)
      throw new ConfigError('BATCH_METRICS_TOKEN: must be at least 16 characters');
    config.metricsToken = env.BATCH_METRICS_TOKEN;
  }
  if (env.BATCH_OSS_ENDPOINT || env.BATCH_OSS_ACCESS_KEY_ID) {
    for (const name of ['BATCH_OSS_ACCESS_KEY_ID', 'BATCH_OSS_SECRET_ACCESS_KEY'] as const) {
      if (!env[name])
        throw new ConfigError(`${name}: required when object storage is S3-compatible (BATCH_OSS_ENDPOINT is set)`);
    }
    config.oss = {
      region: env.BATCH_OSS_REGION || 'us-east-1',
      accessKeyId: env.BATCH_OSS_ACCESS_KEY_ID!,
      secretAccessKey: env.BATCH_OSS_SECRET_ACCESS_KEY!,
      forcePathStyle: ['1', 'true', 'yes'].includes((env.BATCH_OSS_FORCE_PATH_STYLE ?? '').toLowerCase()),
    };
    if (env.BATCH_OSS_ENDPOINT) config.oss.endpoint = env.BATCH_OSS_ENDPOINT;
    if (env.BATCH_OSS_MOUNT_ACCESS_KEY_ID && env.BATCH_OSS_MOUNT_SECRET_ACCESS_KEY) {
      config.ossMount = {
        accessKeyId: env.BATCH_OSS_MOUNT_ACCESS_KEY_ID,
        secretAccessKey: env.BATCH_OSS_MOUNT_SECRET_ACCESS_KEY,
      };
    }
  }
  if (env.BATCH_PUBLIC_URL) config.publicUrl = env.BATCH_PUBLIC_URL.replace(/\/+$/, '');
  if (config.nodeLostAfterMs <= config.heartbeatIntervalMs) {
    throw new ConfigError('BATCH_NODE_LOST_AFTER_MS: must be longer than BATCH_HEARTBEAT_INTERVAL_MS');
  }
  return config;
}
