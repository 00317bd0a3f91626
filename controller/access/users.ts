/**
 * Users (admin only): list with usage, create with a first token, change quotas, disable and
 * enable (a disabled user's tokens are refused at once), delete. Every change is audited.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { User } from '../../protocol/api.js';
import { BatchError, notFound } from '../../protocol/errors.js';
import { ACTIVE_JOB_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { lockKey } from '../db/locks.js';
import { apiTokens, buckets, computeEnvironments, jobs, nodes, templates, users } from '../db/schema.js';
import { countedEnvironments } from '../environments/counted.js';
import { stateIn } from '../db/state-sql.js';
import { DEFAULT_QUOTAS, quotaLimit, type QuotaName } from '../quotas.js';
import { hashSecret, newId, newSecret } from '../secrets.js';
import { recordAudit } from './audit.js';
import type { Caller } from './caller.js';

/** The quotas in force: defaults overlaid with the user's own. */
const effectiveQuotas = (overrides: Record<string, number>) =>
  Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((name) => [name, quotaLimit(overrides, name as QuotaName)]));

type UserRow = typeof users.$inferSelect;

function toUser(row: UserRow, environments: number): User {
  return {
    id: row.id,
    name: row.name,
    admin: row.admin,
    disabled: row.disabledAt !== null,
    quotas: effectiveQuotas(row.quotas),
    usage: { jobs: row.jobCount, computeEnvironments: environments, schedules: row.scheduleCount },
    createdAt: row.createdAt.toISOString(),
  };
}

async function environmentCounts(store: Database, ids: readonly string[]): Promise<Map<string, number>> {
  return countedEnvironments(store, ids);
}

export async function listUsers(store: Database): Promise<User[]> {
  const rows = await store.db.select().from(users).orderBy(asc(users.createdAt));
  const envs = await environmentCounts(
    store,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toUser(r, envs.get(r.id) ?? 0));
}

async function userNamed(store: Database, name: string): Promise<UserRow> {
  const [user] = await store.db.select().from(users).where(eq(users.name, name));
  if (!user) throw notFound('user', name);
  return user;
}

async function view(store: Database, name: string): Promise<User> {
  const user = await userNamed(store, name);
  return toUser(user, (await environmentCounts(store, [user.id])).get(user.id) ?? 0);
}

/** A user and their first API token, together or not at all. */
export async function createUser(
  store: Database,
  caller: Caller,
  name: string,
  admin: boolean,
): Promise<{ user: User; token: string }> {
  const token = newSecret('bat');
  await store.transaction(async (tx) => {
    const [user] = await tx.db
      .insert(users)
      .values({ id: newId('u'), name, admin })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new BatchError('CONFLICT', `user "${name}" already exists`, 'name');
    await tx.db
      .insert(apiTokens)
      .values({ id: newId('t'), userId: user.id, name: 'initial', tokenHash: hashSecret(token) });
  });
  await recordAudit(store, { actor: caller.name, action: 'user.created', target: name, detail: { admin } });
  return { user: await view(store, name), token };
}

/** Changes the quotas named; the others keep their values. */
export async function updateQuotas(
  store: Database,
  caller: Caller,
  name: string,
  quotas: Record<string, number>,
): Promise<User> {
  const user = await userNamed(store, name);
  await store.db
    .update(users)
    .set({ quotas: { ...user.quotas, ...quotas } })
    .where(eq(users.id, user.id));
  await recordAudit(store, { actor: caller.name, action: 'user.quotas', target: name, detail: quotas });
  return view(store, name);
}

/** Disabling refuses the user's tokens from the next request on; their work keeps running. */
export async function setUserDisabled(store: Database, caller: Caller, name: string, disabled: boolean): Promise<User> {
  const user = await userNamed(store, name);
  if (disabled && user.id === caller.id) throw new BatchError('CONFLICT', 'you cannot disable yourself');
  await store.db
    .update(users)
    .set({ disabledAt: disabled ? new Date() : null })
    .where(eq(users.id, user.id));
  await recordAudit(store, { actor: caller.name, action: disabled ? 'user.disabled' : 'user.enabled', target: name });
  return view(store, name);
}

/**
 * Deletes a user with their jobs (and logs), templates, tokens and environments; their buckets
 * pass to the admin who deletes them (an unowned bucket could be claimed by anyone, objects and
 * all). Refused while they have unfinished jobs unless `force`, which stops those jobs first
 * (`stopJobs`: intent, then the scheduler's pass sends the kills), and refused while one of
 * their environments still has nodes.
 */
export async function deleteUser(
  store: Database,
  caller: Caller,
  name: string,
  options: { force: boolean; stopJobs: (jobIds: string[]) => Promise<void> },
): Promise<void> {
  const user = await userNamed(store, name);
  if (user.id === caller.id) throw new BatchError('CONFLICT', 'you cannot delete yourself');
  const [withNodes] = await store.db
    .select({ name: computeEnvironments.name })
    .from(computeEnvironments)
    .innerJoin(nodes, eq(nodes.environmentId, computeEnvironments.id))
    .where(and(eq(computeEnvironments.ownerId, user.id), sql`NOT ${stateIn('nodes', ['TERMINATED'], 'nodes')}`))
    .limit(1);
  if (withNodes)
    throw new BatchError('CONFLICT', `user "${name}" owns environment "${withNodes.name}", which still has nodes`);
  const unfinished = await store.db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.ownerId, user.id), stateIn('jobs', ACTIVE_JOB_STATES, 'jobs')));
  if (unfinished.length > 0 && !options.force) {
    throw new BatchError(
      'CONFLICT',
      `user "${name}" has ${unfinished.length} unfinished job(s); stop them first, or delete with force (?force=true; batchctl users delete --force)`,
    );
  }
  await store.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
  if (unfinished.length > 0) {
    await store.db
      .update(jobs)
      .set({ desired: 'stop' })
      .where(
        inArray(
          jobs.id,
          unfinished.map((j) => j.id),
        ),
      );
    await options.stopJobs(unfinished.map((j) => j.id));
  }
  await store.transaction(async (tx) => {
    await lockKey(tx, `environments:${user.id}`);
    await tx.db.update(buckets).set({ ownerId: caller.id }).where(eq(buckets.ownerId, user.id));
    await tx.db.delete(jobs).where(eq(jobs.ownerId, user.id));
    await tx.db.delete(templates).where(eq(templates.ownerId, user.id));
    await tx.db.delete(computeEnvironments).where(eq(computeEnvironments.ownerId, user.id));
    await tx.db.delete(users).where(eq(users.id, user.id));
  });
  await recordAudit(store, {
    actor: caller.name,
    action: 'user.deleted',
    target: name,
    detail: { stoppedJobs: unfinished.length },
  });
}
