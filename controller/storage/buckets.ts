/**
 * Who may use which bucket. The first user to name a bucket (in a job, or by uploading to it)
 * owns it; only its owner and admins may read or write it, through the API or through jobs.
 */
import { eq } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import type { Db } from '../db/client.js';
import { buckets } from '../db/schema.js';
import type { Caller } from '../http/auth.js';

export interface BucketUse {
  bucket: string;
  /** The spec field or request part that names it, for the error message. */
  field: string;
}

/** Claims unowned buckets for the caller and refuses buckets of other users. */
export async function claimBuckets(db: Db, caller: Caller, uses: readonly BucketUse[]): Promise<void> {
  const seen = new Set<string>();
  for (const use of uses) {
    if (seen.has(use.bucket)) continue;
    seen.add(use.bucket);
    await db.insert(buckets).values({ name: use.bucket, ownerId: caller.id }).onConflictDoNothing();
    const [row] = await db.select({ ownerId: buckets.ownerId }).from(buckets).where(eq(buckets.name, use.bucket));
    if (row && row.ownerId !== caller.id && !caller.admin) {
      throw new BatchError('FORBIDDEN', `${use.field}: bucket "${use.bucket}" belongs to another user`, use.field);
    }
  }
}

/** Throws unless the caller may read the bucket (it need not exist yet for a write). */
export async function checkBucketAccess(db: Db, caller: Caller, bucket: string): Promise<'owned' | 'unowned'> {
  const [row] = await db.select({ ownerId: buckets.ownerId }).from(buckets).where(eq(buckets.name, bucket));
  if (!row) return 'unowned';
  if (row.ownerId !== caller.id && !caller.admin)
    throw new BatchError('FORBIDDEN', `bucket "${bucket}" belongs to another user`);
  return 'owned';
}
