/**
 * Who may use which bucket. The first user to name a bucket (in a job, or by uploading to it)
 * owns it; only its owner and admins may read or write it, through the API or through jobs.
 */
import { asc, eq } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import type { Database } from '../db/client.js';
import { buckets } from '../db/schema.js';

export interface BucketUse {
  bucket: string;
  /** The spec field or request part that names it, for the error message. */
  field: string;
}

/** Claims unowned buckets for the caller and refuses buckets of other users. */
export async function claimBuckets(store: Database, caller: Caller, uses: readonly BucketUse[]): Promise<void> {
  const { db } = store;
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
export async function checkBucketAccess(store: Database, caller: Caller, bucket: string): Promise<'owned' | 'unowned'> {
  const [row] = await store.db.select({ ownerId: buckets.ownerId }).from(buckets).where(eq(buckets.name, bucket));
  if (!row) return 'unowned';
  if (row.ownerId !== caller.id && !caller.admin)
    throw new BatchError('FORBIDDEN', `bucket "${bucket}" belongs to another user`);
  return 'owned';
}

/** The buckets the caller owns (every bucket, for an admin). */
export async function listBuckets(store: Database, caller: Caller): Promise<{ name: string; createdAt: Date }[]> {
  return store.db
    .select({ name: buckets.name, createdAt: buckets.createdAt })
    .from(buckets)
    .where(caller.admin ? undefined : eq(buckets.ownerId, caller.id))
    .orderBy(asc(buckets.name));
}
