/** Ids, bearer tokens and credentials. Only sha256 hashes of tokens are ever stored. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').slice(0, 10).toLowerCase()}`;
}

/** A secret with a recognisable prefix (so a leaked one is easy to spot in a scan). */
export function newSecret(prefix: 'bat' | 'reg' | 'node'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
