/**
 * Compute environments: sets of nodes. Reads show what the caller may see (access/visibility.ts);
 * commands need the owner or an admin. `desiredNodes` is intent: the environment's provider
 * follows it (providers/).
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type {
  ComputeEnvironment,
  CreateEnvironmentRequest,
  EnvironmentType,
  ProviderName,
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
import { ACTIVE_JOB_STATES } from '../../protocol/states.js';
import { LOCAL_ENVIRONMENT } from '../bootstrap.js';
import { quotaLimit } from '../quotas.js';
import { AUTO_PREFIX } from './auto-name.js';
import { countedEnvironments } from './counted.js';
import { DEFAULT_AUTO_MAX_NODES } from './limits.js';
import { hashSecret, newId, newSecret } from '../secrets.js';

export type EnvironmentRow = typeof computeEnvironments.$inferSelect;

export async function listEnvironments(
  store: Database,
  caller: Caller,
  name?: string,
  options: { all?: boolean } = {},
): Promise<ComputeEnvironment[]> {
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
    .where(sql`NOT ${stateIn('nodes', ['TERMINATED'])}`)
    .groupBy(nodes.environmentId, nodes.state);
  return (
    rows
      // A removed environment kept for its jobs' history is renamed with a `~`: no one lists it.
      .filter(({ env }) => !env.name.includes('~'))
      .map(({ env, owner }) => {
        const nodeCounts = Object.fromEntries(
          counts.filter((c) => c.environmentId === env.id).map((c) => [c.state, c.n]),
        );
        return { env, owner, nodeCounts };
      })
      // An auto environment is there while it has nodes (asked for by name, it is shown anyway).
      .filter(
        ({ env, nodeCounts }) =>
          options.all === true || name !== undefined || env.type !== 'auto' || Object.keys(nodeCounts).length > 0,
      )
      .map(({ env, owner, nodeCounts }) => ({
        name: env.name,
        type: env.type,
        provider: env.provider as ComputeEnvironment['provider'],
        owner,
        shared: env.shared,
        desiredNodes: env.desiredNodes,
        maxNodes: env.maxNodes,
        idleTimeoutSeconds: env.idleTimeoutSeconds,
        template: env.template,
        ...(env.providerConfig.command && (caller.admin || caller.id === env.ownerId)
          ? { command: env.providerConfig.command }
          : {}),
        deleting: env.deleting,
        nodes: nodeCounts,
        createdAt: env.createdAt.toISOString(),
      }))
  );
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
  if (body.name.startsWith(AUTO_PREFIX))
    throw new BatchError(
      'VALIDATION',
      `name: names starting with "${AUTO_PREFIX}" are kept for the auto environments made for tasks`,
      'name',
    );
  checkNodesQuota(caller, body.desiredNodes, 'desiredNodes');
  if (body.maxNodes !== undefined) checkNodesQuota(caller, body.maxNodes, 'maxNodes');
  const shape = environmentShape(caller, body);
  if (body.shared && !caller.admin)
    throw new BatchError('FORBIDDEN', 'shared: only an admin may create a shared environment', 'shared');
  const limit = quotaLimit(caller.quotas, 'computeEnvironments');
  await store.transaction(async (tx) => {
    // Count and insert under the owner's lock: concurrent creates cannot both see room for one.
    await lockKey(tx, `environments:${caller.id}`);
    const owned = (await countedEnvironments(tx, [caller.id])).get(caller.id) ?? 0;
    if (owned >= limit) {
      throw new BatchError('QUOTA_EXCEEDED', `quota "computeEnvironments" allows ${limit}; you have ${owned}`);
    }
    const inserted = await tx.db
      .insert(computeEnvironments)
      .values({ id: newId('ce'), name: body.name, ownerId: caller.id, shared: body.shared, ...shape })
      .onConflictDoNothing()
      .returning({ id: computeEnvironments.id });
    if (inserted.length === 0)
      throw new BatchError('CONFLICT', `compute environment "${body.name}" already exists`, 'name');
  });
  return getEnvironment(store, caller, body.name);
}

/**
 * Type, provider and their settings, checked together. No type means `managed` when a provider
 * is named and `unmanaged` (hand-joined nodes) when none is; `manual` is the old name of `none`.
 */
function environmentShape(caller: Caller, body: CreateEnvironmentRequest) {
  if (body.type === 'managed' && body.provider === 'none')
    throw new BatchError(
      'VALIDATION',
      'provider: a managed environment needs a provider that makes its nodes (local or command); for nodes that join by hand, use type unmanaged',
      'provider',
    );
  // `manual` is the old name of `none`, and `--type managed --provider manual` the old way to make
  // a hand-joined environment: still so.
  const provider: ProviderName =
    body.provider === 'manual'
      ? 'none'
      : (body.provider ?? (body.type === 'managed' || body.type === 'auto' ? 'local' : 'none'));
  const legacyHandJoined = body.type === 'managed' && body.provider === 'manual';
  const effectiveType: EnvironmentType =
    body.type === undefined || legacyHandJoined ? (provider === 'none' ? 'unmanaged' : 'managed') : body.type;
  if (effectiveType !== 'unmanaged' && provider === 'none')
    throw new BatchError(
      'VALIDATION',
      `provider: an ${effectiveType} environment needs a provider (local or command)`,
      'provider',
    );
  if (effectiveType === 'unmanaged' && provider !== 'none')
    throw new BatchError(
      'VALIDATION',
      'type: an unmanaged environment has no provider (its nodes join with a token)',
      'type',
    );
  if (effectiveType !== 'managed' && body.desiredNodes > 0)
    throw new BatchError(
      'VALIDATION',
      `desiredNodes: only a managed environment keeps a desired count (this one is ${effectiveType})`,
      'desiredNodes',
    );
  if (effectiveType !== 'auto' && (body.maxNodes !== undefined || body.idleTimeoutSeconds !== undefined))
    throw new BatchError(
      'VALIDATION',
      `${body.maxNodes !== undefined ? 'maxNodes' : 'idleTimeoutSeconds'}: only an auto environment has it`,
      body.maxNodes !== undefined ? 'maxNodes' : 'idleTimeoutSeconds',
    );
  if (provider === 'command') {
    if (!body.command)
      throw new BatchError(
        'VALIDATION',
        'command: the command provider needs its create and delete programs',
        'command',
      );
    // The programs run as the controller's own user, with its access: only an operator may name them.
    if (!caller.admin)
      throw new BatchError('FORBIDDEN', 'command: only an admin may configure provider programs', 'command');
  } else if (body.command) {
    throw new BatchError(
      'VALIDATION',
      `command: only the command provider runs programs (this one is ${provider})`,
      'command',
    );
  }
  return {
    type: effectiveType,
    provider,
    desiredNodes: body.desiredNodes,
    maxNodes: effectiveType === 'auto' ? (body.maxNodes ?? DEFAULT_AUTO_MAX_NODES) : null,
    idleTimeoutSeconds: body.idleTimeoutSeconds ?? null,
    template: body.template,
    providerConfig: body.command ? { command: body.command } : {},
  };
}

function checkNodesQuota(caller: Caller, nodesAsked: number, field: string): void {
  const limit = quotaLimit(caller.quotas, 'nodesPerEnvironment');
  if (nodesAsked > limit) {
    throw new BatchError(
      'QUOTA_EXCEEDED',
      `${field}: quota "nodesPerEnvironment" allows ${limit}; ${nodesAsked} asked`,
      field,
    );
  }
}

/**
 * Records the desired node count (intent); the environment's provider follows it (pool.ts).
 * A forced scale-in may take busy nodes, whose running instances are re-queued.
 */
export async function scaleEnvironment(
  store: Database,
  caller: Caller,
  name: string,
  desiredNodes: number,
): Promise<ComputeEnvironment> {
  const env = await managed(store, caller, name);
  if (env.type !== 'managed')
    throw new BatchError(
      'VALIDATION',
      `desiredNodes: only a managed environment is scaled (${env.name} is ${env.type}${env.type === 'auto' ? ': its nodes follow its work' : ': its nodes join with a token'})`,
      'desiredNodes',
    );
  if (env.deleting) throw new BatchError('CONFLICT', `compute environment "${env.name}" is being deleted`);
  checkNodesQuota(caller, desiredNodes, 'desiredNodes');
  await store.db.update(computeEnvironments).set({ desiredNodes }).where(eq(computeEnvironments.id, env.id));
  return getEnvironment(store, caller, env.name);
}

/**
 * Deleting drains and deletes the environment's nodes (pool.ts), then removes it. The built-in
 * environment stays: it is scaled to 0 instead.
 */
export async function deleteEnvironment(store: Database, caller: Caller, name: string): Promise<void> {
  const env = await managed(store, caller, name);
  if (env.name === LOCAL_ENVIRONMENT)
    throw new BatchError('CONFLICT', 'the built-in local environment cannot be deleted; scale it to 0 instead');
  // Queued work would wait for nodes that never come: the jobs go first (AWS Batch refuses too).
  const [busy] = await store.rows<{ n: number }>(sql`
    SELECT count(DISTINCT t.job_id)::int AS n FROM tasks t JOIN jobs j ON j.id = t.job_id
    WHERE t.environment_id = ${env.id} AND ${stateIn('jobs', ACTIVE_JOB_STATES, 'j')}`);
  if ((busy?.n ?? 0) > 0)
    throw new BatchError(
      'CONFLICT',
      `compute environment "${env.name}" has ${busy?.n} unfinished job(s); stop them or let them finish, then delete it`,
    );
  await store.db.update(computeEnvironments).set({ deleting: true }).where(eq(computeEnvironments.id, env.id));
}

/** The id of the environment if the caller may manage it (pool wakes name it). */
export async function environmentIdOf(store: Database, caller: Caller, name: string): Promise<string> {
  return (await managed(store, caller, name)).id;
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
