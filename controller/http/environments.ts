/** /v1/compute-environments: sets of nodes, and the registration tokens nodes join them with. */
import { and, asc, count, eq, or, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { createEnvironmentSchema, scaleEnvironmentSchema, type ComputeEnvironment } from '../../protocol/api.js';
import { BatchError } from '../../protocol/errors.js';
import { computeEnvironments, nodes, registrationTokens, users } from '../db/schema.js';
import { quotaLimit } from '../quotas.js';
import { hashSecret, newId, newSecret } from '../secrets.js';
import type { AppEnv, Caller } from './auth.js';
import { readBody } from './body.js';
import type { AppDeps } from './deps.js';
import { notFound } from './errors.js';

const REGISTRATION_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

export function environmentRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.store.db;

  const visible = (caller: Caller) =>
    caller.admin ? sql`true` : or(eq(computeEnvironments.ownerId, caller.id), eq(computeEnvironments.shared, true));

  async function resources(caller: Caller, name?: string): Promise<ComputeEnvironment[]> {
    const where = name ? and(visible(caller), eq(computeEnvironments.name, name)) : visible(caller);
    const rows = await db
      .select({ env: computeEnvironments, owner: users.name })
      .from(computeEnvironments)
      .innerJoin(users, eq(users.id, computeEnvironments.ownerId))
      .where(where)
      .orderBy(asc(computeEnvironments.name));
    const counts = await db
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

  /** The environment by name, if the caller may manage it (its owner or an admin). */
  async function managed(caller: Caller, name: string) {
    const [env] = await db.select().from(computeEnvironments).where(eq(computeEnvironments.name, name));
    if (!env || !(caller.admin || env.ownerId === caller.id || env.shared)) throw notFound('compute environment', name);
    if (!caller.admin && env.ownerId !== caller.id)
      throw new BatchError('FORBIDDEN', `compute environment "${name}" belongs to another user`);
    return env;
  }

  app.get('/', async (c) => c.json({ items: await resources(c.get('caller')) }));

  app.get('/:name', async (c) => {
    const [env] = await resources(c.get('caller'), c.req.param('name'));
    if (!env) throw notFound('compute environment', c.req.param('name'));
    return c.json(env);
  });

  app.post('/', async (c) => {
    const caller = c.get('caller');
    const body = await readBody(c, createEnvironmentSchema);
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
    const [owned] = await db
      .select({ n: count() })
      .from(computeEnvironments)
      .where(eq(computeEnvironments.ownerId, caller.id));
    if ((owned?.n ?? 0) >= limit) {
      throw new BatchError('QUOTA_EXCEEDED', `quota "computeEnvironments" allows ${limit}; you have ${owned?.n ?? 0}`);
    }
    const inserted = await db
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
    return c.json((await resources(caller, body.name))[0], 201);
  });

  app.post('/:name/scale', async (c) => {
    const caller = c.get('caller');
    const env = await managed(caller, c.req.param('name'));
    const { desiredNodes } = await readBody(c, scaleEnvironmentSchema);
    const limit = quotaLimit(caller.quotas, 'nodesPerEnvironment');
    if (desiredNodes > limit)
      throw new BatchError('QUOTA_EXCEEDED', `quota "nodesPerEnvironment" allows ${limit}`, 'desiredNodes');
    await db.update(computeEnvironments).set({ desiredNodes }).where(eq(computeEnvironments.id, env.id));
    deps.onEnvironmentScaled?.(env.name, desiredNodes);
    return c.json((await resources(caller, env.name))[0]);
  });

  app.delete('/:name', async (c) => {
    const env = await managed(c.get('caller'), c.req.param('name'));
    if (env.type === 'local')
      throw new BatchError('CONFLICT', 'the built-in local environment cannot be deleted; scale it to 0 instead');
    const [live] = await db
      .select({ n: count() })
      .from(nodes)
      .where(and(eq(nodes.environmentId, env.id), sql`${nodes.state} <> 'TERMINATED'`));
    if ((live?.n ?? 0) > 0)
      throw new BatchError('CONFLICT', `compute environment "${env.name}" still has ${live?.n} node(s)`);
    await db.delete(computeEnvironments).where(eq(computeEnvironments.id, env.id));
    return c.body(null, 204);
  });

  app.post('/:name/tokens', async (c) => {
    const caller = c.get('caller');
    const env = await managed(caller, c.req.param('name'));
    const token = newSecret('reg');
    const expiresAt = new Date(Date.now() + REGISTRATION_TOKEN_TTL_MS);
    await db.insert(registrationTokens).values({
      id: newId('rt'),
      environmentId: env.id,
      tokenHash: hashSecret(token),
      createdBy: caller.id,
      expiresAt,
    });
    return c.json({ environment: env.name, token, expiresAt: expiresAt.toISOString() }, 201);
  });

  return app;
}
