/**
 * Word between controllers sharing one PostgreSQL database, by `NOTIFY` on one channel. A
 * message is a hint, never the truth: it names what changed (nodes whose attempts' intent
 * changed, nodes to disconnect, work ready to place) and the receiver reads the tables. A lost
 * message (the listening connection dropped, a controller died mid-way) is healed by the
 * periodic checks that read the same tables (`held-nodes.ts`, the scheduler's tick), and after
 * every (re)subscription the receiver catches up at once.
 *
 * On PGlite there is one controller and nobody to tell: `publish` does nothing.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { errorText, type Logger } from '../log.js';

export const CLUSTER_CHANNEL = 'batch_cluster';

const messageSchema = z.discriminatedUnion('kind', [
  /** The attempts on these nodes have new intent (a stop): whoever holds a node, tell it. */
  z.object({ kind: z.literal('nodes'), nodes: z.array(z.string()) }),
  /** These nodes' connections must end (declared lost, terminated), wherever they are held. */
  z.object({ kind: z.literal('close'), nodes: z.array(z.string()), code: z.number().int(), reason: z.string() }),
  /** Work became ready to place (a submit, a restart, re-queued attempts): run a pass. */
  z.object({ kind: z.literal('work') }),
  /** A controller's note to itself: its LISTEN connection still hears (`checkListening`). */
  z.object({ kind: z.literal('ping') }),
]);
type AnyMessage = z.infer<typeof messageSchema>;
export type ClusterMessage = Exclude<AnyMessage, { kind: 'ping' }>;

/** Own pings not heard for this long: the LISTEN connection is gone, subscribe again. */
const DEAF_AFTER_MS = 10_000;

/** Node ids per notification: NOTIFY payloads must stay under 8000 bytes. */
const NODES_PER_MESSAGE = 200;

export interface ClusterHandlers {
  message(message: ClusterMessage): void;
  /** After every (re)subscription: messages sent while not listening are lost, catch up. */
  listening(): void;
}

export class ClusterBus {
  private unlisten: (() => Promise<void>) | undefined;
  private handlers: ClusterHandlers | undefined;
  private lastHeardSelf = Date.now();
  /**
   * Whether another controller was up at the last look (membership heartbeat, every few
   * seconds): a lone controller on PostgreSQL then sends nothing, and its submit path is what
   * it was. A peer that started since catches up by its periodic checks and its first LISTEN.
   */
  peersUp = true;

  constructor(
    private readonly store: Database,
    private readonly self: string,
    private readonly log: Logger,
  ) {}

  /** Whether anyone else may be listening (PostgreSQL: other controllers may share it). */
  get shared(): boolean {
    return this.store.listen !== undefined;
  }

  async start(handlers: ClusterHandlers): Promise<void> {
    this.handlers = handlers;
    await this.subscribe();
  }

  /**
   * Called every few seconds: sends this controller a ping through the database and, when its
   * pings have not come back for a while, subscribes again. postgres.js re-subscribes after a
   * dropped connection by itself, but gives up if the database refuses that one attempt (it is
   * down for longer); this is what brings the subscription back after such an outage.
   */
  async checkListening(): Promise<void> {
    if (!this.store.listen || !this.handlers) return;
    if (Date.now() - this.lastHeardSelf > DEAF_AFTER_MS) {
      this.log.warn(`no word on ${CLUSTER_CHANNEL} for ${DEAF_AFTER_MS / 1000} s; subscribing again`);
      await this.unlisten?.().catch(() => undefined);
      this.unlisten = undefined;
      await this.subscribe();
      this.lastHeardSelf = Date.now();
    }
    await this.send({ kind: 'ping' });
  }

  private async subscribe(): Promise<void> {
    const handlers = this.handlers;
    if (!this.store.listen || !handlers) return;
    this.unlisten = await this.store.listen(
      CLUSTER_CHANNEL,
      (payload) => {
        const parsed = parse(payload);
        if (parsed === undefined) {
          this.log.warn(`ignored a malformed ${CLUSTER_CHANNEL} notification`);
          return;
        }
        const { from, message } = parsed;
        if (message.kind === 'ping') {
          if (from === this.self) this.lastHeardSelf = Date.now();
        } else if (from !== this.self) handlers.message(message);
      },
      () => handlers.listening(),
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.().catch(() => undefined);
  }

  /**
   * Tells the other controllers; resolves once sent. A failure is logged and not retried: the
   * receivers' periodic checks find the same change in the tables a few seconds later.
   */
  async publish(message: ClusterMessage): Promise<void> {
    if (!this.shared || !this.peersUp) return;
    try {
      await this.send(message);
    } catch (err) {
      this.log.warn(`notifying the other controllers failed (their periodic check will catch up): ${errorText(err)}`);
    }
  }

  private async send(message: AnyMessage): Promise<void> {
    const parts =
      message.kind === 'work' || message.kind === 'ping'
        ? [message]
        : chunks(message.nodes, NODES_PER_MESSAGE).map((nodes) => ({ ...message, nodes }));
    for (const part of parts) {
      const payload = JSON.stringify({ from: this.self, message: part });
      await this.store.db.execute(sql`SELECT pg_notify(${CLUSTER_CHANNEL}, ${payload})`);
    }
  }
}

const envelopeSchema = z.object({ from: z.string(), message: messageSchema });

function parse(payload: string): z.infer<typeof envelopeSchema> | undefined {
  try {
    const checked = envelopeSchema.safeParse(JSON.parse(payload));
    return checked.success ? checked.data : undefined;
  } catch {
    return undefined;
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
