/**
 * Completes a `startAttempt` with what the attempt may touch in object storage: a signed URL
 * and digest for its package, one signed URL per input object (prefixes expanded here), its
 * output mapping (upload URLs are granted later, per file), and its mounts. What cannot be
 * staged fails the attempt here, with the typed reason, before a node spends time on it.
 */
import path from 'node:path/posix';
import type { MountRequest, StagedInput, StartAttempt } from '../../protocol/messages.js';
import type { FailureReason } from '../../protocol/states.js';
import type { ControllerConfig } from '../config.js';
import type { StartedAttempt } from '../attempts/started.js';
import { SIGNED_URL_TTL_SECONDS, type ObjectStore } from '../storage/object-store.js';
import { parseOssUrl } from '../storage/oss-url.js';
import { startMessage } from './start-message.js';

export type Preparation =
  | { ok: true; message: StartAttempt }
  /** `retryable`: false when the object is missing or not the user's, true when storage failed. */
  | { ok: false; reason: FailureReason; message: string; retryable: boolean };

class StagingFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
  }
}

export interface StagingConfig {
  oss?: ControllerConfig['oss'];
  ossMount?: ControllerConfig['ossMount'];
}

export async function prepareStart(
  attempt: StartedAttempt,
  objects: ObjectStore,
  config: StagingConfig,
): Promise<Preparation> {
  const message = startMessage(attempt);
  const spec = attempt.spec;
  try {
    if (spec.package) message.package = await stagePackage(spec.package, objects);
    const inputs = Object.entries(spec.inputs);
    if (inputs.length > 0)
      message.inputs = (
        await Promise.all(inputs.map(([source, target]) => stageInput(source, target, objects)))
      ).flat();
    const outputs = Object.entries(spec.outputs);
    if (outputs.length > 0) {
      message.outputs = outputs.map(([p, destination]) => ({ path: p, destination }));
      message.uploadOn = spec.uploadOn;
    }
    if (spec.mounts.length > 0) message.mounts = spec.mounts.map((m) => mountRequest(m, config));
    return { ok: true, message };
  } catch (err) {
    if (err instanceof StagingFailure) return { ok: false, reason: err.reason, message: err.message, retryable: false };
    return {
      ok: false,
      reason: 'STAGE_IN_ERROR',
      message: `object storage failed while preparing the attempt: ${(err as Error).message}`,
      retryable: true,
    };
  }
}

async function stagePackage(source: string, objects: ObjectStore): Promise<NonNullable<StartAttempt['package']>> {
  const { bucket, key } = parseOssUrl(source);
  const info = await objects.head(bucket, key);
  if (!info) throw new StagingFailure('PACKAGE_ERROR', `package ${source} not found`);
  const digest = info.sha256
    ? `sha256:${info.sha256}`
    : `etag:${info.etag ?? `${info.size}-${info.lastModified.getTime()}`}`;
  return { source, url: await objects.signGet(bucket, key, SIGNED_URL_TTL_SECONDS), digest, size: info.size };
}

async function stageInput(source: string, target: string, objects: ObjectStore): Promise<StagedInput[]> {
  const { bucket, key } = parseOssUrl(source);
  if (!source.endsWith('/')) {
    const info = await objects.head(bucket, key);
    if (!info) throw new StagingFailure('STAGE_IN_ERROR', `input ${source} not found`);
    const file = target.endsWith('/') ? `${target}${path.basename(key)}` : target;
    return [{ source, url: await objects.signGet(bucket, key, SIGNED_URL_TTL_SECONDS), path: file, size: info.size }];
  }
  // A prefix becomes a directory: every object below it, at its path relative to the prefix.
  const staged: StagedInput[] = [];
  let cursor: string | undefined;
  do {
    const page = await objects.list(bucket, key, { limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) {
      const rel = item.key.slice(key.length);
      if (rel === '' || rel.endsWith('/')) continue; // "directory" placeholder objects
      staged.push({
        source: `oss://${bucket}/${item.key}`,
        url: await objects.signGet(bucket, item.key, SIGNED_URL_TTL_SECONDS),
        path: `${target}${rel}`,
        size: item.size,
      });
    }
    cursor = page.next;
  } while (cursor);
  return staged;
}

function mountRequest(mount: StartedAttempt['spec']['mounts'][number], config: StagingConfig): MountRequest {
  const request: MountRequest = { type: mount.type, source: mount.source, target: mount.target };
  for (const key of ['readOnly', 'options', 'fsType', 'formatIfEmpty'] as const) {
    if (mount[key] !== undefined) (request as Record<string, unknown>)[key] = mount[key];
  }
  if (mount.type === 'oss') {
    if (!config.oss || !config.ossMount) {
      throw new StagingFailure(
        'MOUNT_ERROR',
        `oss mount of ${mount.source}: needs S3-compatible object storage (BATCH_OSS_ENDPOINT) and a key pair set aside for mounts (BATCH_OSS_MOUNT_ACCESS_KEY_ID, BATCH_OSS_MOUNT_SECRET_ACCESS_KEY)`,
      );
    }
    const { bucket, key } = parseOssUrl(mount.source);
    request.s3 = {
      endpoint: config.oss.endpoint ?? `https://s3.${config.oss.region}.amazonaws.com`,
      region: config.oss.region,
      bucket,
      prefix: key,
      accessKeyId: config.ossMount.accessKeyId,
      secretAccessKey: config.ossMount.secretAccessKey,
      pathStyle: config.oss.forcePathStyle,
    };
  }
  return request;
}
