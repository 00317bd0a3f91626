/**
 * Compute environments: sets of nodes. Reads show what the caller may see (access/visibility.ts);
 * commands need the owner or an admin. `desiredNodes` is intent: the environment's provider
 * follows it (providers/).
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type {
  ComputeEnvironment,
  CreateEnvironmentRequest,
  RegistrationToken,
  RegistrationTokenInfo,
} from '../../protocol/api.js';
import type { z } from 'zod';
import type { createRegistrationTokenSchema } from '../../protocol/api.js';
import { recordAudit } from '../access/audit.js';

type CreateRegistrationTokenRequest = z.output<typeof createRegistrationTokenSchema>;
import { BatchError, notFound } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import { canSeeEnvironment, environmentsVisibleTo, requireManager } from '../access/visibility.js';
import type { Database } from '../db/client.js';
import { computeEnvironments, nodes, registrationTokens, users } from '../db/schema.js';
import { lockKey } from '../db/locks.js';
import { stateIn } from '../db/state-sql.js';
import { quotaLimit } from '../quotas.js';
import { hashSecret, newId, newSecret } from '../secrets.js';

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
  checkNodesQuota(caller, body.desiredNodes);
  const limit = quotaLimit(caller.quotas, 'computeEnvironments');
  await store.transaction(async (tx) => {
    // Count and insert under the owner's lock: concurrent creates cannot both see room for one.
    await lockKey(tx, `environments:${caller.id}`);
    const [owned] = await tx.db
      .select({ n: count() })
      .from(computeEnvironments)
      .where(eq(computeEnvironments.ownerId, caller.id));
    if ((owned?.n ?? 0) >= limit) {
      throw new BatchError('QUOTA_EXCEEDED', `quota "computeEnvironments" allows ${limit}; you have ${owned?.n ?? 0}`);
    }
    const inserted = await tx.db
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
  });
  return getEnvironment(store, caller, body.name);
}

function checkNodesQuota(caller: Caller, desiredNodes: number): void {
  const limit = quotaLimit(caller.quotas, 'nodesPerEnvironment');
  if (desiredNodes > limit) {
    throw new BatchError(
      'QUOTA_EXCEEDED',
      `desiredNodes: quota "nodesPerEnvironment" allows ${limit}; ${desiredNodes} asked`,
      'desiredNodes',
    );
  }
}

/** Records the desired node count (intent); the environment's provider follows it. */
export async function scaleEnvironment(
  store: Database,
  caller: Caller,
  name: string,
  desiredNodes: number,
): Promise<ComputeEnvironment> {
  const env = await managed(store, caller, name);
  checkNodesQuota(caller, desiredNodes);
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

/** A token nodes register with to join the environment, until it expires or is used up; shown once. */
export async function createRegistrationToken(
  store: Database,
  caller: Caller,
  name: string,
  request: CreateRegistrationTokenRequest,
): Promise<RegistrationToken> {
  const env = await managed(store, caller, name);
  const token = newSecret('reg');
  const id = newId('rt');
  const expiresAt = new Date(Date.now() + request.ttlSeconds * 1000);
  const maxUses = request.maxUses ?? null;
  await store.db.insert(registrationTokens).values({
    id,
    environmentId: env.id,
    tokenHash: hashSecret(token),
    createdBy: caller.name,
    expiresAt,
    maxUses,
  });
  await recordAudit(store, {
    actor: caller.name,
    action: 'registration-token.created',
    target: env.name,
    detail: { id, ttlSeconds: request.ttlSeconds, maxUses },
  });
  return { id, environment: env.name, token, expiresAt: expiresAt.toISOString(), maxUses };
}

/** The environment's registration tokens that can still be used (never the tokens themselves). */
export async function listRegistrationTokens(
  store: Database,
  caller: Caller,
  name: string,
): Promise<RegistrationTokenInfo[]> {
  const env = await managed(store, caller, name);
  const rows = await store.db
    .select()
    .from(registrationTokens)
    .where(eq(registrationTokens.environmentId, env.id))
    .orderBy(asc(registrationTokens.createdAt));
  return rows.map((r) => ({
    id: r.id,
    environment: env.name,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    maxUses: r.maxUses,
    uses: r.uses,
  }));
}

/** Revokes a registration token: no node can register with it from now on. */
export async function revokeRegistrationToken(
  store: Database,
  caller: Caller,
  name: string,
  id: string,
): Promise<void> {
  const env = await managed(store, caller, name);
  const deleted = await store.db
    .delete(registrationTokens)
    .where(and(eq(registrationTokens.id, id), eq(registrationTokens.environmentId, env.id)))
    .returning({ id: registrationTokens.id });
  if (deleted.length === 0) throw notFound('registration token', id);
  await recordAudit(store, {
    actor: caller.name,
    action: 'registration-token.revoked',
    target: env.name,
    detail: { id },
  });
}
