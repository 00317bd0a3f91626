/**
 * Singleton duties under leases. Each duty is a row of `controller_leases`; every controller
 * tries, every RENEW_EVERY_MS, to take or keep all duties with one conditional upsert that wins
 * a row only when it is free, expired, or already its own — so at most one controller holds a
 * duty at any time by the database's clock. A holder believes in its lease only until
 * LEASE_TTL_MS − SAFETY_MS after its last successful renewal by its own clock: a controller that
 * stalls (a long pause, a lost database) stops running its duties before anyone else may take
 * them. A clean shutdown releases its leases, so a successor takes them at its next renewal.
 *
 * Rows, not advisory locks: a lease is visible to every controller (`GET /v1/controllers`), works
 * through a transaction-pooling PgBouncer, and does not die with one connection of the pool.
 */
import { sql } from 'drizzle-orm';
import type { Clock, Cancel } from '../clock.js';
import type { Database } from '../db/client.js';
import { errorText, type Logger } from '../log.js';

/** The duties that must run in one controller at a time. */
export const DUTIES = ['lost-nodes', 'node-pools', 'schedules', 'log-archive', 'retention'] as const;
export type Duty = (typeof DUTIES)[number];

export const LEASE_TTL_MS = 10_000;
export const RENEW_EVERY_MS = 3_000;
/** How long before its expiry a holder stops trusting a lease it could not renew. */
const SAFETY_MS = 2_000;

/** One statement for all duties; returns the duties the caller holds after it. */
export async function claimLeases(store: Database, holder: string, duties: readonly Duty[]): Promise<Duty[]> {
  const rows = await store.rows<{ duty: Duty }>(sql`
    INSERT INTO controller_leases (duty, holder, acquired_at, renewed_at, expires_at)
    SELECT d, ${holder}, now(), now(), now() + make_interval(secs => ${LEASE_TTL_MS / 1000})
    FROM unnest(${`{${duties.join(',')}}`}::text[]) AS d
    ON CONFLICT (duty) DO UPDATE SET
      holder = excluded.holder,
      acquired_at = CASE WHEN controller_leases.holder = excluded.holder THEN controller_leases.acquired_at ELSE now() END,
      renewed_at = now(),
      expires_at = excluded.expires_at
    WHERE controller_leases.holder = excluded.holder OR controller_leases.expires_at < now()
    RETURNING duty`);
  return rows.map((r) => r.duty);
}

export async function releaseLeases(store: Database, holder: string): Promise<void> {
  await store.db.execute(sql`DELETE FROM controller_leases WHERE holder = ${holder}`);
}

export class Leases {
  private readonly validUntil = new Map<Duty, number>();
  private cancel: Cancel | undefined;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: Database;
      holder: string;
      clock: Clock;
      log: Logger;
      /** Told when a duty is gained, so it can start at once instead of at its next tick. */
      gained?: (duty: Duty) => void;
    },
  ) {}

  /** Takes what it can now (a lone controller holds everything before its duties start). */
  async start(): Promise<void> {
    await this.renew();
    this.cancel = this.deps.clock.every(RENEW_EVERY_MS, () => {
      this.renewing = this.renew();
    });
  }

  holds(duty: Duty): boolean {
    return (this.validUntil.get(duty) ?? 0) > this.deps.clock.now();
  }

  held(): Duty[] {
    return DUTIES.filter((d) => this.holds(d));
  }

  async stop(): Promise<void> {
    this.cancel?.();
    await this.renewing;
    this.validUntil.clear();
    await releaseLeases(this.deps.store, this.deps.holder).catch((err: unknown) =>
      this.deps.log.warn(`leases not released (they expire in ${LEASE_TTL_MS / 1000} s): ${errorText(err)}`),
    );
  }

  private async renew(): Promise<void> {
    const asked = this.deps.clock.now();
    let won: Duty[];
    try {
      won = await claimLeases(this.deps.store, this.deps.holder, DUTIES);
    } catch (err) {
      // Held leases run out on their own (holds() turns false); the next renewal tries again.
      this.deps.log.warn(`renewing leases failed: ${errorText(err)}`);
      return;
    }
    const until = asked + LEASE_TTL_MS - SAFETY_MS;
    for (const duty of DUTIES) {
      const had = this.holds(duty);
      if (won.includes(duty)) {
        this.validUntil.set(duty, until);
        if (!had) {
          this.deps.log.info(`took the ${duty} lease`, { event: 'lease.taken', duty });
          this.deps.gained?.(duty);
        }
      } else {
        if (had) this.deps.log.warn(`lost the ${duty} lease`, { event: 'lease.lost', duty });
        this.validUntil.delete(duty);
      }
    }
  }
}
