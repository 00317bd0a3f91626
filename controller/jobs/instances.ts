/** Builds the API's instance resources: state, pending reason and every attempt. */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Attempt, Instance } from '../../protocol/api.js';
import type { FailureReason, InstanceState, PendingReason } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { attempts, instances, tasks } from '../db/schema.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function listInstances(
  store: Database,
  jobId: string,
  task: string,
  options: { limit: number; cursor?: number; index?: number },
): Promise<{ items: Instance[]; next?: string }> {
  return store.readConsistent((view) => readInstances(view, jobId, task, options));
}

async function readInstances(
  store: Database,
  jobId: string,
  task: string,
  options: { limit: number; cursor?: number; index?: number },
): Promise<{ items: Instance[]; next?: string }> {
  const where = [eq(instances.jobId, jobId), eq(instances.taskName, task)];
  if (options.cursor !== undefined) where.push(gt(instances.index, options.cursor));
  if (options.index !== undefined) where.push(eq(instances.index, options.index));
  const rows = await store.db
    .select()
    .from(instances)
    .where(and(...where))
    .orderBy(asc(instances.index))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  // A ready instance's reason is its task's (written once per task by the scheduler).
  const [taskRow] = await store.db
    .select({ pendingReason: tasks.pendingReason })
    .from(tasks)
    .where(and(eq(tasks.jobId, jobId), eq(tasks.name, task)));
  const attemptRows =
    page.length === 0
      ? []
      : await store.db
          .select()
          .from(attempts)
          .where(
            inArray(
              attempts.instanceId,
              page.map((r) => r.id),
            ),
          )
          .orderBy(asc(attempts.attempt));
  const byInstance = new Map<number, Attempt[]>();
  for (const a of attemptRows) {
    const list = byInstance.get(a.instanceId) ?? [];
    list.push({
      attempt: a.attempt,
      id: a.id,
      nodeId: a.nodeId,
      state: a.state as Attempt['state'],
      exitCode: a.exitCode,
      failureReason: a.failureReason as FailureReason | null,
      message: a.message,
      createdAt: a.createdAt.toISOString(),
      startedAt: iso(a.startedAt),
      endedAt: iso(a.endedAt),
    });
    byInstance.set(a.instanceId, list);
  }
  const items = page.map((r) => {
    const item: Instance = { index: r.index, state: r.state as InstanceState, attempts: byInstance.get(r.id) ?? [] };
    const reason = r.pendingReason ?? taskRow?.pendingReason;
    if (r.state === 'PENDING' && reason) item.pendingReason = reason as PendingReason;
    return item;
  });
  const out: { items: Instance[]; next?: string } = { items };
  if (rows.length > options.limit) out.next = String(page[page.length - 1]!.index);
  return out;
}
