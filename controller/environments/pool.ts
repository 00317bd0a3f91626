/**
 * Keeps the environments that have a provider in line with their plan (pool-plan.ts), once a
 * second and when woken:
 *
 *   - plans each environment: nodes to create, nodes to let go (intent, for the scheduler);
 *   - creates nodes: a PROVISIONING row and its own token, then the provider's `create`;
 *     a failed create leaves the node TERMINATED with the provider's words and backs the
 *     environment off (1 s doubling to a minute);
 *   - deletes TERMINATING nodes through their provider, then marks them TERMINATED;
 *   - adopts, at start and each minute, what the provider lists: a host created before a
 *     controller restart is matched to its node, a host no live node owns is deleted;
 *   - purges TERMINATED nodes after the retention period and removes deleted environments
 *     once their nodes are gone.
 *
 * Provider calls run in the background, at most `concurrency` at once, each with the
 * environment's timeout; none of them can stop the loop.
 */
import { sql } from 'drizzle-orm';
import type { CommandProviderConfig, EnvironmentType, NodeIntent, NodeTemplate } from '../../protocol/api.js';
import { ACTIVE_ATTEMPT_STATES, type NodeState } from '../../protocol/states.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import { canMoveTo, stateIn, stateValue } from '../db/state-sql.js';
import { errorText, type Logger } from '../log.js';
import { quotaLimit } from '../quotas.js';
import { loadReadyGroups } from '../scheduler/snapshot.js';
import { ProviderError, type CreateRequest, type NodeProvider, type ProvidedHost } from '../providers/provider.js';
import { renderUserData } from '../providers/user-data.js';
import { insertProvisioningNodes } from './node-rows.js';
import { planPool, type PoolDemand, type PoolNode } from './pool-plan.js';
import { removeDeletedEnvironment } from './removal.js';

export interface PoolEnvironmentRow {
  id: string;
  name: string;
  type: EnvironmentType;
  provider: string;
  desiredNodes: number;
  maxNodes: number | null;
  idleTimeoutSeconds: number | null;
  template: NodeTemplate;
  providerConfig: { command?: CommandProviderConfig };
  deleting: boolean;
  quotas: Record<string, number> | null;
}

export interface PoolConfig {
  bootTimeoutMs: number;
  idleTimeoutMs: number;
  retentionMs: number;
  /** Provider calls in flight at once, over all environments. */
  concurrency: number;
  /** A call's timeout when the environment sets none (the command provider sets its own). */
  callTimeoutMs: number;
}

export interface PoolDeps {
  store: Database;
  clock: Clock;
  log: Logger;
  config: PoolConfig;
  /** The provider of an environment; undefined for hand-joined environments. */
  providerFor: (env: PoolEnvironmentRow) => NodeProvider | undefined;
  controllerUrl: () => string;
  /** Node intents changed: the scheduler derives the states. */
  wakeScheduler: () => void;
  /** Fails the active attempts of nodes a forced scale-in takes (re-queued, retries not spent). */
  failAttempts: (nodeIds: readonly string[], why: string) => Promise<void>;
  /** Closes the connection of a node that is gone. */
  disconnect: (nodeId: string) => void;
  /** Whether this controller runs the pools now (it holds their lease); absent: always. */
  active?: () => boolean;
}

interface NodeRow {
  id: string;
  environment_id: string;
  state: NodeState;
  desired: NodeIntent;
  provider_id: string | null;
  provisioned: boolean;
  busy: boolean;
  created_at: string;
  idle_since: string | null;
}

/** The most nodes one batch create asks for. */
const BATCH_CREATE_MAX = 500;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000];
const ADOPT_EVERY_MS = 60_000;

export class NodePools {
  private readonly inFlight = new Set<string>();
  /** Nodes whose provider failed to delete them, and when to try again. */
  private readonly retryDeleteAt = new Map<string, number>();
  private queue: (() => Promise<void>)[] = [];
  private running = 0;
  private readonly failures = new Map<string, { count: number; until: number }>();
  /** Environments whose next scale-in may take busy nodes, with when that was asked. */
  private readonly forced = new Map<string, number>();
  private cancel: (() => void) | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private lastAdoptMs = -Infinity;
  private stopped = false;

  constructor(private readonly deps: PoolDeps) {}

  start(): void {
    this.cancel = this.deps.clock.every(1000, () => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.ticking;
  }

  /** Runs a pass now (or right after the one running); `forceEnvironment` makes its scale-in take busy nodes too. */
  wake(forceEnvironment?: string): void {
    if (forceEnvironment) this.forced.set(forceEnvironment, this.deps.clock.now());
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.deps.log.error(`node pools: ${errorText(err)}`))
      .finally(() => {
        this.ticking = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once nothing is being created or deleted (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running > 0 || this.queue.length > 0 || this.ticking) await new Promise((r) => setTimeout(r, 20));
  }

  private async tick(): Promise<void> {
    if (this.deps.active?.() === false) return;
    const { store } = this.deps;
    // Before anything is read: a wake after this instant is seen by the next pass.
    const now = this.deps.clock.now();
    const envs = await store.rows<PoolEnvironmentRow>(sql`
      SELECT e.id, e.name, e.type, e.provider, e.desired_nodes AS "desiredNodes", e.max_nodes AS "maxNodes",
             e.idle_timeout_seconds AS "idleTimeoutSeconds", e.template, e.provider_config AS "providerConfig",
             e.deleting, u.quotas
      FROM compute_environments e JOIN users u ON u.id = e.owner_id
      WHERE e.removed_at IS NULL AND (e.provider <> 'none' OR e.deleting OR EXISTS (
        SELECT 1 FROM nodes n WHERE n.environment_id = e.id AND n.desired = 'terminate'
          AND NOT ${stateIn('nodes', ['TERMINATED'], 'n')}))`);
    if (envs.length === 0) return;
    const byId = new Map(envs.map((e) => [e.id, e]));

    // Each node with whether it runs work; in the same statement, the idle clocks of auto
    // environments' READY nodes are set when they have no active attempt and cleared when they have.
    const nodes = await store.rows<NodeRow>(sql`
      WITH b AS (
        SELECT n.id, n.environment_id, n.state, n.desired, n.provider_id, n.provisioned, n.created_at, n.idle_since,
               EXISTS (SELECT 1 FROM attempts a WHERE a.node_id = n.id AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}) AS busy
        FROM nodes n
        WHERE NOT ${stateIn('nodes', ['TERMINATED'], 'n')}
          AND n.environment_id IN (SELECT jsonb_array_elements_text(${JSON.stringify([...byId.keys()])}::jsonb))
      ),
      clocked AS (
        UPDATE nodes n SET idle_since = CASE WHEN b.busy THEN NULL ELSE now() END
        FROM b JOIN compute_environments e ON e.id = b.environment_id
        WHERE n.id = b.id AND e.type = 'auto' AND ${stateIn('nodes', ['READY'], 'n')}
          AND b.busy = (n.idle_since IS NOT NULL)
        RETURNING n.id, n.idle_since
      )
      SELECT b.id, b.environment_id, b.state, b.desired, b.provider_id, b.provisioned, b.created_at, b.busy,
             CASE WHEN c.id IS NULL THEN b.idle_since ELSE c.idle_since END AS idle_since
      FROM b LEFT JOIN clocked c ON c.id = b.id`);
    const autoIds = new Set(envs.filter((e) => e.type === 'auto').map((e) => e.id));
    const demand = new Map<string, PoolDemand[]>();
    if (autoIds.size > 0) {
      for (const g of await loadReadyGroups(store, 100_000)) {
        if (!autoIds.has(g.environmentId)) continue;
        const list = demand.get(g.environmentId) ?? [];
        list.push({ pending: g.pending, ...g.resources });
        demand.set(g.environmentId, list);
      }
    }

    let intents = 0;
    for (const env of envs) {
      const provider = this.deps.providerFor(env);
      const own = nodes.filter((n) => n.environment_id === env.id);
      // Nodes that joined by hand are not the provider's to count, replace or scale in.
      const planned = env.deleting ? own : own.filter((n) => n.provisioned);
      const poolNodes: PoolNode[] = planned.map((n) => ({
        id: n.id,
        state: n.state,
        desired: n.desired,
        busy: n.busy,
        createdAtMs: Date.parse(n.created_at),
        idleSinceMs: n.idle_since ? Date.parse(n.idle_since) : null,
      }));
      const plan = provider
        ? planPool(
            {
              type: env.type,
              desiredNodes: env.desiredNodes,
              maxNodes: env.maxNodes,
              idleTimeoutMs:
                env.idleTimeoutSeconds !== null ? env.idleTimeoutSeconds * 1000 : this.deps.config.idleTimeoutMs,
              template: env.template,
              deleting: env.deleting,
            },
            poolNodes,
            demand.get(env.id) ?? [],
            {
              quota: quotaLimit(env.quotas, 'nodesPerEnvironment'),
              bootTimeoutMs: this.deps.config.bootTimeoutMs,
              createBlockedUntilMs: this.failures.get(env.id)?.until ?? 0,
            },
            now,
          )
        : // Hand-joined nodes of an environment being deleted: let them go once idle.
          {
            create: 0,
            terminate: env.deleting
              ? poolNodes
                  .filter((n) => n.desired !== 'terminate')
                  .map((n) => ({ id: n.id, why: 'its compute environment is being deleted' }))
              : [],
          };
      if (plan.terminate.length > 0) {
        intents += await this.markTerminate(plan.terminate);
      }
      // Only a pass that began after the forced scale was asked has read its new count.
      const forcedAt = this.forced.get(env.name);
      if (forcedAt !== undefined && forcedAt <= now) {
        this.forced.delete(env.name);
        const busy = own.filter(
          (n) => n.busy && (n.desired === 'terminate' || plan.terminate.some((x) => x.id === n.id)),
        );
        if (busy.length > 0)
          await this.deps.failAttempts(
            busy.map((n) => n.id),
            'its node was deleted by a forced scale-in',
          );
      }
      if (plan.create > 0 && provider) await this.create(env, provider, plan.create);
      // Waiting for the scheduler to take them down: drained busy nodes whose work has ended.
      if (own.some((n) => n.desired === 'terminate' && n.state !== 'TERMINATING' && !n.busy)) intents += 1;
      for (const n of own.filter((x) => x.state === 'TERMINATING')) this.terminate(env, provider, n);
      if (env.deleting && own.length === 0) await removeDeletedEnvironment(store, env.id, env.name, this.deps.log);
    }
    if (intents > 0) this.deps.wakeScheduler();

    if (now - this.lastAdoptMs >= ADOPT_EVERY_MS) {
      this.lastAdoptMs = now;
      await this.adopt(envs);
      await this.purge();
    }
  }

  private async markTerminate(chosen: readonly { id: string; why: string }[]): Promise<number> {
    const changed = await this.deps.store.rows<{ id: string }>(sql`
      UPDATE nodes n SET desired = 'terminate', message = r.why
      FROM jsonb_to_recordset(${JSON.stringify(chosen)}::jsonb) AS r(id text, why text)
      WHERE n.id = r.id AND n.desired <> 'terminate'
      RETURNING n.id`);
    for (const c of chosen)
      this.deps.log.info(`node ${c.id} goes: ${c.why}`, { event: 'node.terminate', nodeId: c.id });
    return changed.length;
  }

  private async create(env: PoolEnvironmentRow, provider: NodeProvider, wanted: number): Promise<void> {
    const made = await insertProvisioningNodes(
      this.deps.store,
      env,
      wanted,
      quotaLimit(env.quotas, 'nodesPerEnvironment'),
      this.deps.config.bootTimeoutMs + 60_000,
    );
    const request = (node: (typeof made)[number]): CreateRequest => ({
      nodeId: node.id,
      name: node.name,
      environment: env.name,
      template: env.template,
      controllerUrl: this.deps.controllerUrl(),
      registrationToken: node.registrationToken,
      userData: renderUserData(this.deps.controllerUrl(), node.registrationToken, env.template),
    });
    for (const node of made) this.inFlight.add(node.id);
    const many = provider.createMany?.bind(provider);
    if (many) {
      // One call for the round, in parts of at most BATCH_CREATE_MAX nodes.
      for (let i = 0; i < made.length; i += BATCH_CREATE_MAX) {
        const part = made.slice(i, i + BATCH_CREATE_MAX);
        this.enqueue(async () => {
          try {
            const hosts = await many(part.map(request), AbortSignal.timeout(this.timeoutOf(env)));
            const byNode = new Map(hosts.map((h) => [h.nodeId, h.providerId]));
            await this.recordHosts(
              env,
              part.filter((n) => byNode.has(n.id)).map((n) => ({ id: n.id, providerId: byNode.get(n.id)! })),
            );
            for (const n of part.filter((x) => !byNode.has(x.id)))
              await this.createFailed(env, n.id, n.name, 'create named no host for it');
          } catch (err) {
            this.deps.log.debug(`${env.name}: create of ${part.length} node(s) failed: ${errorText(err)}`);
            for (const n of part) await this.createFailed(env, n.id, n.name, providerWords(err));
          } finally {
            for (const n of part) this.inFlight.delete(n.id);
          }
        });
      }
      return;
    }
    for (const node of made) {
      this.enqueue(async () => {
        try {
          const host = await provider.create(request(node), AbortSignal.timeout(this.timeoutOf(env)));
          await this.recordHosts(env, [{ id: node.id, providerId: host.providerId }]);
        } catch (err) {
          this.deps.log.debug(`node ${node.name}: create failed: ${errorText(err)}`);
          await this.createFailed(env, node.id, node.name, providerWords(err));
        } finally {
          this.inFlight.delete(node.id);
        }
      });
    }
  }

  /** The provider's names of created hosts (kept whatever the node's state: its agent may have registered already). */
  private async recordHosts(
    env: PoolEnvironmentRow,
    hosts: readonly { id: string; providerId: string }[],
  ): Promise<void> {
    if (hosts.length === 0) return;
    await this.deps.store.db.execute(sql`
      UPDATE nodes n SET provider_id = r.provider_id
      FROM jsonb_to_recordset(${JSON.stringify(hosts.map((h) => ({ id: h.id, provider_id: h.providerId })))}::jsonb)
        AS r(id text, provider_id text)
      WHERE n.id = r.id`);
    this.failures.delete(env.id);
    for (const h of hosts) this.deps.log.info(`node ${h.id} of ${env.name}: created as ${h.providerId}`);
  }

  private async createFailed(env: PoolEnvironmentRow, nodeId: string, name: string, why: string): Promise<void> {
    const failure = this.failures.get(env.id) ?? { count: 0, until: 0 };
    const delay = BACKOFF_MS[Math.min(failure.count, BACKOFF_MS.length - 1)]!;
    this.failures.set(env.id, { count: failure.count + 1, until: this.deps.clock.now() + delay });
    const message = `its provider could not create it: ${why}`.slice(0, 4000);
    await this.deps.store.db.execute(sql`
      WITH gone AS (
        UPDATE nodes SET state = ${stateValue('nodes', 'TERMINATED')}, terminated_at = now(), message = ${message}
        WHERE id = ${nodeId} AND ${canMoveTo('nodes', 'TERMINATED')} RETURNING id)
      DELETE FROM registration_tokens WHERE node_id IN (SELECT id FROM gone)`);
    this.deps.log.warn(`node ${name} of ${env.name}: ${message}; next try in ${delay / 1000} s`, {
      event: 'node.provisioning-failed',
      nodeId,
      environment: env.name,
    });
  }

  private terminate(env: PoolEnvironmentRow, provider: NodeProvider | undefined, node: NodeRow): void {
    if (this.inFlight.has(node.id) || (this.retryDeleteAt.get(node.id) ?? 0) > this.deps.clock.now()) return;
    this.retryDeleteAt.delete(node.id);
    this.inFlight.add(node.id);
    this.enqueue(async () => {
      try {
        if (provider && node.provider_id !== null)
          await provider.delete(node.provider_id, AbortSignal.timeout(this.timeoutOf(env)));
        this.deps.disconnect(node.id);
        await this.deps.store.db.execute(sql`
          WITH gone AS (
            UPDATE nodes SET state = ${stateValue('nodes', 'TERMINATED')}, terminated_at = now()
            WHERE id = ${node.id} AND ${canMoveTo('nodes', 'TERMINATED')} RETURNING id)
          DELETE FROM registration_tokens WHERE node_id IN (SELECT id FROM gone)`);
        this.deps.log.info(`node ${node.id} of ${env.name} is TERMINATED`, {
          event: 'node.terminated',
          nodeId: node.id,
        });
      } catch (err) {
        this.retryDeleteAt.set(node.id, this.deps.clock.now() + 10_000);
        const message = `its provider could not delete it (retried in 10 s): ${providerWords(err)}`.slice(0, 4000);
        await this.deps.store.db.execute(sql`UPDATE nodes SET message = ${message} WHERE id = ${node.id}`);
        this.deps.log.warn(`node ${node.id} of ${env.name}: ${message}`);
      } finally {
        this.inFlight.delete(node.id);
      }
    });
  }

  /**
   * Matches what the providers list to the nodes: a PROVISIONING node a previous controller was
   * creating gets its host (or, when no host was made for it, is let go and replaced); a listed
   * host that no live node owns is deleted.
   */
  private async adopt(envs: readonly PoolEnvironmentRow[]): Promise<void> {
    const seen = new Set<NodeProvider>();
    for (const env of envs) {
      const provider = this.deps.providerFor(env);
      if (!provider || seen.has(provider)) continue;
      seen.add(provider);
      let hosts: ProvidedHost[];
      try {
        hosts = await provider.list(AbortSignal.timeout(this.timeoutOf(env)));
      } catch (err) {
        this.deps.log.warn(`compute environment ${env.name}: its provider could not list its hosts: ${errorText(err)}`);
        continue;
      }
      // Read after the list: a node whose row was written meanwhile is known (rows come before creates).
      const nodes = await this.deps.store.rows<{
        id: string;
        environment_id: string;
        state: NodeState;
        provider_id: string | null;
      }>(sql`
        SELECT id, environment_id, state, provider_id FROM nodes WHERE NOT ${stateIn('nodes', ['TERMINATED'])}`);
      const liveById = new Map(nodes.map((n) => [n.id, n]));
      const listed = new Set(hosts.map((h) => h.nodeId).filter((id): id is string => id !== undefined));
      for (const host of hosts) {
        if (host.nodeId === undefined || this.inFlight.has(host.nodeId)) continue;
        const node = liveById.get(host.nodeId);
        if (!node) {
          this.deps.log.warn(`host ${host.providerId} of ${env.name} belongs to no live node: deleting it`);
          this.enqueue(() =>
            provider.delete(host.providerId, AbortSignal.timeout(this.timeoutOf(env))).catch(() => undefined),
          );
        } else if (node.provider_id === null) {
          await this.deps.store.db.execute(
            sql`UPDATE nodes SET provider_id = ${host.providerId} WHERE id = ${node.id} AND provider_id IS NULL`,
          );
          this.deps.log.info(`node ${node.id} of ${env.name}: adopted host ${host.providerId}`);
        }
      }
      // A provider that cannot list says nothing about what is missing.
      if (env.provider === 'command' && !env.providerConfig.command?.list) continue;
      const envIds = new Set(envs.filter((e) => this.deps.providerFor(e) === provider).map((e) => e.id));
      const orphans = nodes.filter(
        (n) =>
          envIds.has(n.environment_id) &&
          n.state === 'PROVISIONING' &&
          n.provider_id === null &&
          !this.inFlight.has(n.id) &&
          !listed.has(n.id),
      );
      for (const n of orphans) {
        await this.deps.store.db.execute(sql`
          UPDATE nodes SET state = ${stateValue('nodes', 'TERMINATED')}, terminated_at = now(),
                 message = 'its creation was interrupted (the controller stopped) and no host was made for it'
          WHERE id = ${n.id} AND provider_id IS NULL AND ${stateIn('nodes', ['PROVISIONING'])}`);
      }
    }
  }

  /** TERMINATED nodes leave after the retention period; hand-joined nodes lost that long are TERMINATED. */
  private async purge(): Promise<void> {
    const seconds = this.deps.config.retentionMs / 1000;
    await this.deps.store.db.execute(sql`
      UPDATE nodes SET state = ${stateValue('nodes', 'TERMINATED')}, terminated_at = now(),
             message = 'lost for longer than the retention period'
      WHERE ${stateIn('nodes', ['LOST'])} AND last_heartbeat_at < now() - make_interval(secs => ${seconds})`);
    await this.deps.store.db.execute(sql`
      DELETE FROM nodes WHERE ${stateIn('nodes', ['TERMINATED'])} AND terminated_at < now() - make_interval(secs => ${seconds})`);
  }

  private timeoutOf(env: PoolEnvironmentRow): number {
    const seconds = env.providerConfig.command?.timeoutSeconds;
    return seconds !== undefined ? seconds * 1000 : this.deps.config.callTimeoutMs;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue.push(job);
    this.drain();
  }

  private drain(): void {
    while (this.running < this.deps.config.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running += 1;
      void job()
        .catch((err: unknown) => this.deps.log.error(`node pools: ${errorText(err)}`))
        .finally(() => {
          this.running -= 1;
          this.drain();
        });
    }
  }
}

/** What a provider said, for a node's message: its words, never a stack trace or a server path. */
function providerWords(err: unknown): string {
  return err instanceof ProviderError ? err.message : err instanceof Error ? err.message : String(err);
}
