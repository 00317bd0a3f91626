/** `oss://bucket/key` URLs, the only way users name objects (SPEC §2). */
import { BatchError } from '../../protocol/errors.js';

export interface ObjectRef {
  bucket: string;
  key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseOssUrl(url: string, field?: string): ObjectRef {
  const m = /^oss:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m || !BUCKET.test(m[1]!))
    throw new BatchError('VALIDATION', `${field ? `${field}: ` : ''}"${url}" is not an oss://bucket/key URL`, field);
  const key = m[2]!;
  checkKey(key, field);
  return { bucket: m[1]!, key };
}

export function checkBucket(bucket: string, field?: string): void {
  if (!BUCKET.test(bucket))
    throw new BatchError(
      'VALIDATION',
      `${field ? `${field}: ` : ''}bucket "${bucket}" must be 3-63 lowercase letters, digits, "." or "-"`,
      field,
    );
}

/** Keys are `/`-separated; no segment may be `.` or `..` (the local store maps keys to paths). */
export function checkKey(key: string, field?: string): void {
  if (
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\0') ||
    key.split('/').some((s) => s === '.' || s === '..')
  ) {
    throw new BatchError(
      'VALIDATION',
      `${field ? `${field}: ` : ''}object key "${key}" must be relative, without "." or ".." segments`,
      field,
    );
  }
}

export const formatOssUrl = (ref: ObjectRef) => `oss://${ref.bucket}/${ref.key}`;
