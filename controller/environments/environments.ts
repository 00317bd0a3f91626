/**
 * Compute environments: sets of nodes. Reads show what the caller may see (access/visibility.ts);
 * commands need the owner or an admin. `desiredNodes` is intent: the environment's provider
 * follows it (providers/).
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { ComputeEnvironment, CreateEnvironmentRequest } from '../../protocol/api.js';
import { BatchError, notFound } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import { canSeeEnvironment, environmentsVisibleTo, requireManager } from '../access/visibility.js';
import type { Database } from '../db/client.js';
import { computeEnvironments, nodes, registrationTokens, users } from '../db/schema.js';
import { stateIn } from '../db/state-sql.js';
import { quotaLimit } from '../quotas.js';
import { hashSecret, newId, newSecret } from '../secrets.js';

/** A registration token lets nodes join for this long. */
export const REGISTRATION_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

export type EnvironmentRow = typeof computeEnvironments.$inferSelect;

export async function listEnvironments(store: Database, caller: Caller, name?: string): Promise<ComputeEnvironment[]> {
  const visible = environmentsVisibleTo(caller);
  const rows = await store.db
    .select({ env: computeEnvironments, owner: users.name })
    .from(computeEnvironments)
    .innerJoin(users, eq(users.id, computeEnvironments.ownerId))
    .where(name === undefined ? visible : and(visible, eq(computeEnvironments.name, name)))
    .orderBy(asc(computeEnvironments.name));
  if (rows.length === 0) return [];
  const counts = await store.db
    .select({ environmentId: nodes.environmentId, state: nodes.state, n: count() })
    .from(nodes)
    .groupBy(nodes.environmentId, nodes.state);
  return rows.map(({ env, owner }) => ({
    name: env.name,
    type: env.type,
    provider: env.provider,
    owner,
    shared: env.shared,
    desiredNodes: env.desiredNodes,
    nodes: Object.fromEntries(counts.filter((c) => c.environmentId === env.id).map((c) => [c.state, c.n])),
    createdAt: env.createdAt.toISOString(),
  }));
}

export async function getEnvironment(store: Database, caller: Caller, name: string): Promise<ComputeEnvironment> {
  const [env] = await listEnvironments(store, caller, name);
  if (!env) throw notFound('compute environment', name);
  return env;
}

/** The environment's row, if the caller may manage it (its owner or an admin). */
async function managed(store: Database, caller: Caller, name: string): Promise<EnvironmentRow> {
  const [env] = await store.db.select().from(computeEnvironments).where(eq(computeEnvironments.name, name));
  if (!env || !canSeeEnvironment(caller, env)) throw notFound('compute environment', name);
  requireManager(caller, env);
  return env;
}

export async function createEnvironment(
  store: Database,
  caller: Caller,
  body: CreateEnvironmentRequest,
): Promise<ComputeEnvironment> {
  if (body.type !== 'managed' || body.provider !== 'manual') {
    throw new BatchError(
      'VALIDATION',
      'type/provider: this version supports only managed environments with the manual provider (nodes join with `batchctl envs token NAME`)',
      'provider',
    );
  }
  if (body.shared && !caller.admin)
    throw new BatchError('FORBIDDEN', 'shared: only an admin may create a shared environment', 'shared');
  const limit = quotaLimit(caller.quotas, 'computeEnvironments');
  const [owned] = await store.db
    .select({ n: count() })
    .from(computeEnvironments)
    .where(eq(computeEnvironments.ownerId, caller.id));
  if ((owned?.n ?? 0) >= limit) {
    throw new BatchError('QUOTA_EXCEEDED', `quota "computeEnvironments" allows ${limit}; you have ${owned?.n ?? 0}`);
  }
  const inserted = await store.db
    .insert(computeEnvironments)
    .values({
      id: newId('ce'),
      name: body.name,
      ownerId: caller.id,
      type: body.type,
      provider: body.provider,
      shared: body.shared,
      desiredNodes: body.desiredNodes,
    })
    .onConflictDoNothing()
    .returning({ id: computeEnvironments.id });
  if (inserted.length === 0)
    throw new BatchError('CONFLICT', `compute environment "${body.name}" already exists`, 'name');
  return getEnvironment(store, caller, body.name);
}

/** Records the desired node count (intent); the environment's provider follows it. */
export async function scaleEnvironment(
  store: Database,
  caller: Caller,
  name: string,
  desiredNodes: number,
): Promise<ComputeEnvironment> {
  const env = await managed(store, caller, name);
  const limit = quotaLimit(caller.quotas, 'nodesPerEnvironment');
  if (desiredNodes > limit)
    throw new BatchError('QUOTA_EXCEEDED', `quota "nodesPerEnvironment" allows ${limit}`, 'desiredNodes');
  await store.db.update(computeEnvironments).set({ desiredNodes }).where(eq(computeEnvironments.id, env.id));
  return getEnvironment(store, caller, env.name);
}

export async function deleteEnvironment(store: Database, caller: Caller, name: string): Promise<void> {
  const env = await managed(store, caller, name);
  if (env.type === 'local')
    throw new BatchError('CONFLICT', 'the built-in local environment cannot be deleted; scale it to 0 instead');
  const [live] = await store.db
    .select({ n: count() })
    .from(nodes)
    .where(and(eq(nodes.environmentId, env.id), sql`NOT ${stateIn('nodes', ['TERMINATED'])}`));
  if ((live?.n ?? 0) > 0)
    throw new BatchError('CONFLICT', `compute environment "${env.name}" still has ${live?.n} node(s)`);
  await store.db.delete(computeEnvironments).where(eq(computeEnvironments.id, env.id));
}

/** A token nodes register with to join the environment; shown once. */
export async function createRegistrationToken(
  store: Database,
  caller: Caller,
  name: string,
): Promise<{ environment: string; token: string; expiresAt: string }> {
  const env = await managed(store, caller, name);
  const token = newSecret('reg');
  const expiresAt = new Date(Date.now() + REGISTRATION_TOKEN_TTL_MS);
  await store.db.insert(registrationTokens).values({
    id: newId('rt'),
    environmentId: env.id,
    tokenHash: hashSecret(token),
    createdBy: caller.id,
    expiresAt,
  });
  return { environment: env.name, token, expiresAt: expiresAt.toISOString() };
}
