/**
 * Writes the logs of finished attempts to their tasks' `stdout`/`stderr` prefixes, as
 * `<prefix><jobId>/<task>/<index>/<attempt>.log`. The controller writes them from the chunks it
 * stored (which are complete before an attempt is seen finished), so the object is complete even
 * if the node is gone right after the instance ended. Progress is kept in the database
 * (`attempts.log_archive`), so a restarted controller finishes what a crashed one began.
 */
import { Readable } from 'node:stream';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { FINISHED_ATTEMPT_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import { logChunks } from '../db/schema.js';
import type { Logger } from '../log.js';
import type { ObjectStore } from '../storage/object-store.js';
import { parseOssUrl } from '../storage/oss-url.js';

interface Pending {
  id: number;
  attempt: number;
  job_id: string;
  task_name: string;
  index: number;
  stdout: string | null;
  stderr: string | null;
}

/** The object a log goes to (SPEC §5). */
export function archiveKey(prefix: string, p: Pick<Pending, 'job_id' | 'task_name' | 'index' | 'attempt'>): string {
  return `${prefix}${p.job_id}/${p.task_name}/${p.index}/${p.attempt}.log`;
}

/** The stored chunks of one stream, read page by page so a large log never sits in memory. */
function chunkStream(store: Database, attemptId: number, stream: 'stdout' | 'stderr'): Readable {
  // Readable.from pulls a page only when the upload wants more, and turns a failed query into
  // the stream's error (a Readable with an async read() would leave that rejection unhandled).
  return Readable.from(
    (async function* () {
      for (let next = 0; ;) {
        const rows = await store.db
          .select({ seq: logChunks.seq, data: logChunks.data })
          .from(logChunks)
          .where(and(eq(logChunks.attemptId, attemptId), eq(logChunks.stream, stream), gt(logChunks.seq, next - 1)))
          .orderBy(asc(logChunks.seq))
          .limit(256);
        if (rows.length === 0) return;
        for (const row of rows) yield Buffer.from(row.data);
        next = rows[rows.length - 1]!.seq + 1;
      }
    })(),
    { objectMode: false },
  );
}

export async function archiveFinishedLogs(
  store: Database,
  objects: ObjectStore,
  log: Logger,
  batch = 20,
): Promise<number> {
  const pending = await store.rows<Pending>(sql`
    SELECT a.id, a.attempt, a.job_id, i.task_name, i.index, t.spec->>'stdout' AS stdout, t.spec->>'stderr' AS stderr
    FROM attempts a
    JOIN instances i ON i.id = a.instance_id
    JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task_name
    WHERE a.log_archive = 'pending' AND ${stateIn('attempts', FINISHED_ATTEMPT_STATES, 'a')}
    ORDER BY a.id LIMIT ${batch}`);
  let done = 0;
  for (const p of pending) {
    try {
      for (const stream of ['stdout', 'stderr'] as const) {
        const prefix = p[stream];
        if (!prefix) continue;
        const { bucket, key } = parseOssUrl(archiveKey(prefix, p));
        await objects.put(bucket, key, chunkStream(store, p.id, stream));
      }
      await store.db.execute(sql`UPDATE attempts SET log_archive = 'done' WHERE id = ${p.id}`);
      done += 1;
    } catch (err) {
      log.warn(`writing the logs of attempt ${p.id} to object storage failed (will retry): ${(err as Error).message}`);
    }
  }
  return done;
}

/** Runs the archiver every `intervalMs`, and sooner when woken. */
export class LogArchiver {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Database,
    private readonly objects: ObjectStore,
    private readonly log: Logger,
    private readonly intervalMs = 2000,
    /** Whether this controller archives now (it holds the lease); absent: always. */
    private readonly active: () => boolean = () => true,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  wake(): void {
    if (this.stopped || !this.active()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      do {
        this.again = false;
        try {
          while ((await archiveFinishedLogs(this.store, this.objects, this.log)) > 0 && !this.stopped);
        } catch (err) {
          this.log.error(`log archiver: ${(err as Error).message}`);
        }
      } while (this.wokenMeanwhile());
      this.running = false;
    })();
  }

  /** A method, not a field test: wake() sets `again` during the awaits, which narrowing ignores. */
  private wokenMeanwhile(): boolean {
    return this.again && !this.stopped;
  }
}
