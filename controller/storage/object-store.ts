/**
 * Object storage behind one interface: a directory under the data dir (the embedded default) or
 * any S3-compatible service. Only the controller holds credentials; agents get signed URLs for
 * exactly the objects an attempt may read or write.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** sha256 hex, when known (always for the local store; for S3 when uploaded through the API). */
  sha256?: string;
  etag?: string;
  lastModified: Date;
}

export interface ObjectList {
  items: ObjectInfo[];
  next?: string;
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /**
   * Streams `body` in and computes its sha256 on the way; with `sha256` given (the client's own
   * digest), a body that does not match is rejected and nothing is kept.
   */
  put(bucket: string, key: string, body: Readable, sha256?: string): Promise<ObjectInfo>;
  get(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Readable } | undefined>;
  list(bucket: string, prefix: string, options: { limit: number; cursor?: string }): Promise<ObjectList>;
  /** A URL that lets its holder GET (or PUT) this one object until it expires. */
  signGet(bucket: string, key: string, ttlSeconds: number): Promise<string>;
  /**
   * `forAttempt`: the upload is an attempt's output, and the URL works only while that attempt
   * is active (where the store can check it: the local store does; S3 relies on `ttlSeconds`).
   */
  signPut(bucket: string, key: string, ttlSeconds: number, forAttempt?: number): Promise<string>;
}

/**
 * An output upload URL lives for a base plus the time the file takes at a slow 1 MiB/s, capped:
 * an S3 URL cannot be revoked, so it should not outlive the upload by much.
 */
export function uploadTtlSeconds(size: number): number {
  return Math.min(6 * 3600, 120 + Math.ceil(size / (1024 * 1024)));
}

/** Signed URLs for inputs and packages: long enough for a big download, short enough to be useless later. */
export const SIGNED_URL_TTL_SECONDS = 15 * 60;

export class DigestMismatchError extends Error {
  constructor(expected: string, actual: string) {
    super(`the upload's sha256 is ${actual}, not the announced ${expected}; nothing was stored`);
    this.name = 'DigestMismatchError';
  }
}
