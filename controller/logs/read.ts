/**
 * Reads an attempt's log, in seq order, optionally following it until the attempt ends. Chunks
 * are stored before the attempt's final state (same transaction), so once the attempt is seen
 * finished, one more read is guaranteed to return the rest.
 */
import { and, asc, desc, eq, gte } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { attempts, instances, logChunks } from '../db/schema.js';
import { isAttemptFinished, isInstanceFinished, type AttemptState, type InstanceState } from '../../protocol/states.js';
import type { LogBus } from './bus.js';

const PAGE = 256;
const FOLLOW_POLL_MS = 1000;

/** The attempt whose log to show: the one asked for, or the latest. */
export async function findAttempt(
  store: Database,
  jobId: string,
  task: string,
  index: number,
  attempt?: number,
): Promise<{ instanceId: number; attemptId?: number; instanceState: InstanceState } | undefined> {
  const [instance] = await store.db
    .select({ id: instances.id, state: instances.state })
    .from(instances)
    .where(and(eq(instances.jobId, jobId), eq(instances.taskName, task), eq(instances.index, index)));
  if (!instance) return undefined;
  const where = [eq(attempts.instanceId, instance.id)];
  if (attempt !== undefined) where.push(eq(attempts.attempt, attempt));
  const [row] = await store.db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(...where))
    .orderBy(desc(attempts.attempt))
    .limit(1);
  const out: { instanceId: number; attemptId?: number; instanceState: InstanceState } = {
    instanceId: instance.id,
    instanceState: instance.state as InstanceState,
  };
  if (row) out.attemptId = row.id;
  return out;
}

async function attemptFinished(store: Database, attemptId: number): Promise<boolean> {
  const [row] = await store.db.select({ state: attempts.state }).from(attempts).where(eq(attempts.id, attemptId));
  return !row || isAttemptFinished(row.state as AttemptState);
}

export function logStream(
  store: Database,
  bus: LogBus,
  target: { jobId: string; task: string; index: number; attempt?: number },
  stream: 'stdout' | 'stderr',
  follow: boolean,
): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  let attemptId: number | undefined;
  let next = 0;
  let lastChance = false;

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (!abort.signal.aborted) {
          if (attemptId === undefined) {
            const found = await findAttempt(store, target.jobId, target.task, target.index, target.attempt);
            if (found?.attemptId !== undefined) attemptId = found.attemptId;
            else if (!follow || !found || isInstanceFinished(found.instanceState)) {
              controller.close();
              return;
            } else {
              await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
              continue;
            }
          }
          const rows = await store.db
            .select({ seq: logChunks.seq, data: logChunks.data })
            .from(logChunks)
            .where(and(eq(logChunks.attemptId, attemptId), eq(logChunks.stream, stream), gte(logChunks.seq, next)))
            .orderBy(asc(logChunks.seq))
            .limit(PAGE);
          if (rows.length > 0) {
            for (const row of rows) controller.enqueue(new Uint8Array(row.data));
            next = rows[rows.length - 1]!.seq + 1;
            return;
          }
          if (!follow || lastChance) {
            controller.close();
            return;
          }
          if (await attemptFinished(store, attemptId)) {
            lastChance = true;
            continue;
          }
          await bus.waitFor(attemptId, FOLLOW_POLL_MS, abort.signal);
        }
      } catch (err) {
        controller.error(err);
      }
    },
    cancel() {
      abort.abort();
    },
  });
}
