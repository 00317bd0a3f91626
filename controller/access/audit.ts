/**
 * The audit log: security events an admin can read (`GET /v1/audit`, `batchctl audit`). Refused
 * API tokens are aggregated per address: the first refusal of a minute is written, the rest of
 * that minute are counted and written as one row when the next minute starts, so an
 * unauthenticated flood costs a bounded number of rows.
 */
import { and, desc, eq, lt } from 'drizzle-orm';
import type { AuditEvent } from '../../protocol/api.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import { auditEvents } from '../db/schema.js';
import { errorText, type Logger } from '../log.js';

export type AuditAction =
  | 'token.created'
  | 'token.revoked'
  | 'token.refused'
  | 'user.created'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.deleted'
  | 'user.quotas'
  | 'registration-token.created'
  | 'registration-token.revoked'
  | 'node.registered'
  | 'node.refused';

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  target?: string;
  detail?: Record<string, unknown>;
}

export async function recordAudit(store: Database, entry: AuditEntry): Promise<void> {
  await store.db.insert(auditEvents).values({
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? '',
    detail: entry.detail ?? {},
  });
}

export async function listAudit(
  store: Database,
  page: { limit: number; cursor?: number; action?: string },
): Promise<{ items: AuditEvent[]; next?: string }> {
  const where = [];
  if (page.cursor !== undefined) where.push(lt(auditEvents.id, page.cursor));
  if (page.action !== undefined) where.push(eq(auditEvents.action, page.action));
  const rows = await store.db
    .select()
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    detail: r.detail,
  }));
  return rows.length > page.limit ? { items, next: String(items[items.length - 1]!.id) } : { items };
}

/** Addresses tracked at once; beyond this the oldest windows are written and forgotten. */
const MAX_TRACKED_ADDRESSES = 10_000;
const WINDOW_MS = 60_000;

/** Counts refused tokens per address and writes them to the audit log at a bounded rate. */
export class RefusalAudit {
  private readonly windows = new Map<string, { start: number; more: number }>();

  constructor(
    private readonly store: Database,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly log: Logger,
  ) {}

  refused(address: string, why: string): void {
    const now = this.clock.now();
    const open = this.windows.get(address);
    if (open && now - open.start < WINDOW_MS) {
      open.more += 1;
      return;
    }
    if (open) this.flush(address, open.more);
    this.windows.delete(address);
    if (this.windows.size >= MAX_TRACKED_ADDRESSES) {
      const [oldest, window] = this.windows.entries().next().value as [string, { more: number }];
      this.windows.delete(oldest);
      this.flush(oldest, window.more);
    }
    this.windows.set(address, { start: now, more: 0 });
    this.write({ actor: address, action: 'token.refused', detail: { why } });
  }

  private flush(address: string, more: number): void {
    if (more > 0)
      this.write({ actor: address, action: 'token.refused', detail: { more, withinSeconds: WINDOW_MS / 1000 } });
  }

  private write(entry: AuditEntry): void {
    recordAudit(this.store, entry).catch((err: unknown) => this.log.warn(`audit log not written: ${errorText(err)}`));
  }
}
