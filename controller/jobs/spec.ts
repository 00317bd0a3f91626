/** A job's spec as it was submitted: what was posted, templates named rather than expanded. */
import { eq } from 'drizzle-orm';
import type { JobSpec } from '../../protocol/spec.js';
import type { Database } from '../db/client.js';
import { jobs } from '../db/schema.js';

/** The stored spec of a job the caller may see (its owner, or an admin); undefined otherwise. */
export async function getJobSpec(
  store: Database,
  jobId: string,
  callerId: string,
  admin: boolean,
): Promise<JobSpec | undefined> {
  const [row] = await store.db.select({ ownerId: jobs.ownerId, spec: jobs.spec }).from(jobs).where(eq(jobs.id, jobId));
  if (!row || (!admin && row.ownerId !== callerId)) return undefined;
  return row.spec as JobSpec;
}
