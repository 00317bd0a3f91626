/**
 * Intent reaches a node wherever it is connected. Whoever writes a stop marks the attempts in the
 * database (`attempts.desired = 'stop'`); kills for nodes connected here go out at once, and the
 * other controllers are told the node ids (`bus.ts`), so the one holding each node sends them.
 * Because a notification can be lost, every few seconds each controller also compares what the
 * database wants for the nodes it holds with what it has sent them:
 *
 * - an active attempt marked `stop` whose kill this controller has not sent recently → kill;
 * - an attempt still SCHEDULED a while after its claim and not (re)sent from here recently →
 *   start again (a claim that committed while its node was moving to this controller; the agent
 *   ignores a start it already knows).
 *
 * Both messages are idempotent on the agent, so a resend is harmless.
 */
import { sql } from 'drizzle-orm';
import type { ControllerMessage, StartAttempt } from '../../protocol/messages.js';
import { ACTIVE_ATTEMPT_STATES } from '../../protocol/states.js';
import type { AttemptKill, StartedAttempt } from '../attempts/started.js';
import type { Cancel, Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import { loadActiveAttempts } from '../gateway/resync.js';
import { startedFromRow } from '../attempts/started.js';
import type { SessionRegistry } from '../gateway/registry.js';
import { groupBy } from '../group-by.js';
import { errorText, type Logger } from '../log.js';
import type { ClusterBus } from './bus.js';

export const SYNC_EVERY_MS = 3_000;
/** A message sent from here is not sent again within this. */
const RESEND_AFTER_MS = 10_000;
/** A claim younger than this is still on its way from the controller that made it. */
const START_IN_FLIGHT_MS = 5_000;

interface Candidate {
  attempt_id: number;
  node_id: string;
  desired: 'run' | 'stop';
}

export class HeldNodes {
  /** attempt id → when a kill or start for it last left this controller. */
  private readonly sent = new Map<number, number>();
  private cancel: Cancel | undefined;

  constructor(
    private readonly deps: {
      store: Database;
      registry: SessionRegistry;
      bus: ClusterBus;
      clock: Clock;
      log: Logger;
      prepare: (attempts: readonly StartedAttempt[]) => Promise<StartAttempt[]>;
    },
  ) {}

  start(): void {
    this.cancel = this.deps.clock.every(SYNC_EVERY_MS, () => void this.syncLogged());
  }

  stop(): void {
    this.cancel?.();
  }

  /** The scheduler's kills: sent to nodes held here, the others' controllers told. */
  kills(kills: readonly AttemptKill[]): void {
    const elsewhere: string[] = [];
    const now = this.deps.clock.now();
    for (const [nodeId, list] of groupBy(kills, (k) => k.nodeId)) {
      const messages: ControllerMessage[] = list.map((k) => ({
        kind: 'killAttempt',
        attemptId: k.attemptId,
        reason: 'STOPPED',
      }));
      if (this.deps.registry.send(nodeId, messages)) for (const k of list) this.sent.set(k.attemptId, now);
      else elsewhere.push(nodeId);
    }
    if (elsewhere.length > 0) void this.deps.bus.publish({ kind: 'nodes', nodes: elsewhere });
  }

  /** Sends what the database wants for these nodes (all held here when omitted) and was not sent. */
  async sync(nodeIds?: readonly string[]): Promise<void> {
    const now = this.deps.clock.now();
    for (const [id, at] of this.sent) if (now - at >= RESEND_AFTER_MS) this.sent.delete(id);
    const held = this.deps.registry.connected();
    const nodes = (nodeIds ?? [...held]).filter((n) => held.has(n));
    if (nodes.length === 0) return;
    const candidates = await this.deps.store.rows<Candidate>(sql`
      SELECT id AS attempt_id, node_id, desired FROM attempts
      WHERE node_id = ANY(${`{${nodes.join(',')}}`}::text[]) AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES)}
        AND (desired = 'stop' OR (${stateIn('attempts', ['SCHEDULED'])}
             AND created_at < now() - make_interval(secs => ${START_IN_FLIGHT_MS / 1000})))`);
    const unsent = candidates.filter((c) => !this.sent.has(c.attempt_id));
    const restartNodes = new Set<string>();
    for (const [nodeId, list] of groupBy(unsent, (c) => c.node_id)) {
      const kills: ControllerMessage[] = list
        .filter((c) => c.desired === 'stop')
        .map((c) => ({ kind: 'killAttempt', attemptId: c.attempt_id, reason: 'STOPPED' }));
      if (kills.length > 0 && this.deps.registry.send(nodeId, kills))
        for (const c of list) if (c.desired === 'stop') this.sent.set(c.attempt_id, now);
      if (list.some((c) => c.desired === 'run')) restartNodes.add(nodeId);
    }
    for (const nodeId of restartNodes) await this.resendStarts(nodeId, new Set(unsent.map((c) => c.attempt_id)), now);
  }

  private async resendStarts(nodeId: string, wanted: ReadonlySet<number>, now: number): Promise<void> {
    const rows = (await loadActiveAttempts(this.deps.store, nodeId)).filter(
      (r) => r.desired === 'run' && r.state === 'SCHEDULED' && wanted.has(r.attempt_id),
    );
    if (rows.length === 0) return;
    const messages = await this.deps.prepare(rows.map(startedFromRow));
    if (this.deps.registry.send(nodeId, messages)) for (const r of rows) this.sent.set(r.attempt_id, now);
  }

  private async syncLogged(): Promise<void> {
    try {
      await this.sync();
    } catch (err) {
      this.deps.log.warn(
        `checking the intent of connected nodes failed (next check in ${SYNC_EVERY_MS / 1000} s): ${errorText(err)}`,
      );
    }
  }
}
