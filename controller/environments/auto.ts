/**
 * The auto environment a user's tasks run in when they name no environment (SPEC §2): one per
 * user, `auto-<user>`, made at their first such submit, on the default provider. Its nodes are
 * created as the tasks' instances become ready and deleted when idle (pool-plan.ts), so the
 * next jobs of the same user reuse warm nodes while there are any. Names starting with `auto-`
 * are reserved for these: no one can create one and catch another user's tasks.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AutoEnvironmentSpec } from '../../protocol/node-template.js';
import type { ResolvedTask } from '../../protocol/spec.js';
import { BatchError } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import type { Database } from '../db/client.js';
import { newId } from '../secrets.js';
import { DEFAULT_AUTO_MAX_NODES } from './limits.js';
import { autoEnvironmentName } from './auto-name.js';
import { countedEnvironments } from './counted.js';
import { lockKey } from '../db/locks.js';
import { quotaLimit } from '../quotas.js';

/** A task whose environment is a name (or the default): what is stored and placed. */
export type NamedTask = Omit<ResolvedTask, 'computeEnvironment'> & { computeEnvironment?: string };

/**
 * Gives every task an environment name: an inline `{ auto: { … } }` becomes the owner's auto
 * environment of that template (`auto-<user>-<hash>`, one per distinct template, so equal
 * templates share warm nodes); tasks naming none get `defaultEnvironment` — the operator's
 * choice, else `auto-<user>`. Environments are made on first use.
 */
export async function nameEnvironments(
  store: Database,
  caller: Caller,
  tasks: readonly ResolvedTask[],
  configuredDefault: string | undefined,
): Promise<{ tasks: NamedTask[]; defaultEnvironment: string }> {
  const named: NamedTask[] = [];
  for (const task of tasks) {
    const { computeEnvironment: env, ...rest } = task;
    if (env === undefined) named.push(rest);
    else if (typeof env === 'string') named.push({ ...rest, computeEnvironment: env });
    else
      named.push({
        ...rest,
        computeEnvironment: await ensureAutoEnvironment(
          store,
          caller,
          env.auto,
          `tasks[${tasks.indexOf(task)}].computeEnvironment`,
        ),
      });
  }
  const defaultEnvironment =
    configuredDefault ??
    (named.some((t) => t.computeEnvironment === undefined)
      ? await ensureAutoEnvironment(store, caller)
      : autoEnvironmentName(caller));
  return { tasks: named, defaultEnvironment };
}

/**
 * The caller's auto environment (of `spec`'s template, if given), made if it does not exist yet;
 * returns its name. A new inline one counts against `computeEnvironments`, checked under the
 * owner's lock as `envs create` does; its `maxNodes` is held to `nodesPerEnvironment`.
 */
export async function ensureAutoEnvironment(
  store: Database,
  caller: Caller,
  spec?: AutoEnvironmentSpec,
  field = 'computeEnvironment',
): Promise<string> {
  const { maxNodes, idleTimeoutSeconds, ...template } = spec ?? {};
  const name = spec ? `${autoEnvironmentName(caller)}-${templateHash(spec)}` : autoEnvironmentName(caller);
  const nodesLimit = quotaLimit(caller.quotas, 'nodesPerEnvironment');
  if (maxNodes !== undefined && maxNodes > nodesLimit)
    throw new BatchError(
      'QUOTA_EXCEEDED',
      `${field}.auto.maxNodes: quota "nodesPerEnvironment" allows ${nodesLimit}; ${maxNodes} asked`,
      `${field}.auto.maxNodes`,
    );
  return store.transaction(async (tx) => {
    const [existing] = await tx.rows<{ owner_id: string; type: string }>(
      sql`SELECT owner_id, type FROM compute_environments WHERE name = ${name}`,
    );
    if (!existing && spec) {
      await lockKey(tx, `environments:${caller.id}`);
      const limit = quotaLimit(caller.quotas, 'computeEnvironments');
      const have = (await countedEnvironments(tx, [caller.id])).get(caller.id) ?? 0;
      if (have >= limit)
        throw new BatchError(
          'QUOTA_EXCEEDED',
          `${field}: quota "computeEnvironments" allows ${limit}; you have ${have} (each distinct inline auto environment counts)`,
          field,
        );
    }
    const [env] = await tx.rows<{ owner_id: string }>(sql`
      INSERT INTO compute_environments (id, name, owner_id, type, provider, max_nodes, idle_timeout_seconds, template)
      VALUES (${newId('ce')}, ${name}, ${caller.id}, 'auto', 'local', ${Math.min(maxNodes ?? DEFAULT_AUTO_MAX_NODES, nodesLimit)},
              ${idleTimeoutSeconds ?? null}, ${JSON.stringify(template)}::jsonb)
      ON CONFLICT (name) DO UPDATE SET deleting = false
        WHERE compute_environments.owner_id = ${caller.id} AND compute_environments.type = 'auto'
      RETURNING owner_id`);
    if (!env)
      throw new BatchError('CONFLICT', `compute environment "${name}" exists and is not your auto environment`, field);
    return name;
  });
}

/** Eight hex digits of the template's canonical JSON: equal templates, equal names. */
function templateHash(spec: AutoEnvironmentSpec): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(spec)))
    .digest('hex')
    .slice(0, 8);
}
