/**
 * Storing log chunks, on PGlite (INSERT with parameters) and on PostgreSQL (binary COPY): bytes
 * arrive intact, resent chunks are stored once, a node cannot write another node's attempt, and
 * a failing COPY fails the transaction instead of hanging it.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { encodeCopyBinary } from '../../controller/db/copy-binary.js';
import { recordReports, type ChunkReport } from '../../controller/reports/record.js';
import { freshDatabase } from '../support/postgres.js';
import { makeApi, type Api } from './api-harness.js';

const backoff = { baseMs: 1000, maxMs: 1000 };

/** A submitted one-instance job and a RUNNING attempt of it placed on `node-a`. */
async function runningAttempt(api: Api): Promise<{ jobId: string; attemptId: number }> {
  const res = await api.request('POST', '/v1/jobs', { name: 'logs', tasks: [{ name: 'a', command: 'true' }] });
  const jobId = res.body.id as string;
  const [row] = await api.store.rows<{ id: number }>(sql`
    INSERT INTO attempts (instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu)
    SELECT id, job_id, 1, 'node-a', 'RUNNING', 1, 64, 0 FROM instances WHERE job_id = ${jobId}
    RETURNING id`);
  return { jobId, attemptId: row!.id };
}

const stored = (api: Api, attemptId: number) =>
  api.store.rows<{ seq: number; data: Uint8Array }>(
    sql`SELECT seq, data FROM log_chunks WHERE attempt_id = ${attemptId} AND stream = 'stdout' ORDER BY seq`,
  );

/** Every byte value, and a chunk bigger than a TOAST page. */
const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const big = Buffer.alloc(200 * 1024, 'x');

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(kind, async (t) => {
    const api = await makeApi(t, kind === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    t.equal(api.store.kind, kind);
    const { attemptId } = await runningAttempt(api);
    const chunk = (seq: number, data: Buffer, nodeId = 'node-a'): ChunkReport => ({
      attemptId,
      nodeId,
      stream: 'stdout',
      seq,
      data,
    });

    t.test('bytes arrive intact; a resend in the same batch is stored once', async (t) => {
      await recordReports(
        api.store,
        [],
        [chunk(0, binary), chunk(1, big), chunk(1, big), chunk(2, Buffer.from('a\n'))],
        backoff,
      );
      const rows = await stored(api, attemptId);
      t.same(
        rows.map((r) => r.seq),
        [0, 1, 2],
      );
      t.ok(Buffer.from(rows[0]!.data).equals(binary), 'all 256 byte values');
      t.ok(Buffer.from(rows[1]!.data).equals(big), '200 KiB');
    });

    t.test('a chunk already stored is skipped, not an error; another node cannot write', async (t) => {
      await recordReports(
        api.store,
        [],
        [chunk(2, Buffer.from('changed\n')), chunk(3, Buffer.from('b\n')), chunk(4, Buffer.from('forged\n'), 'node-b')],
        backoff,
      );
      const rows = await stored(api, attemptId);
      t.same(rows.map((r) => [r.seq, Buffer.from(r.data).toString('latin1').slice(0, 8)]).slice(2), [
        [2, 'a\n'],
        [3, 'b\n'],
      ]);
    });

    t.test('chunks and the end they precede are stored together', async (t) => {
      const result = await recordReports(
        api.store,
        [
          {
            attemptId,
            nodeId: 'node-a',
            state: 'SUCCEEDED',
            exitCode: 0,
            failureReason: null,
            message: null,
            at: Date.now(),
          },
        ],
        [chunk(4, Buffer.from('last\n'))],
        backoff,
      );
      t.ok(result.attemptIds.has(attemptId));
      t.equal((await stored(api, attemptId)).length, 5);
      const [attempt] = await api.store.rows<{ state: string }>(
        sql`SELECT state FROM attempts WHERE id = ${attemptId}`,
      );
      t.equal(attempt!.state, 'SUCCEEDED');
    });

    if (kind === 'postgres') {
      t.test('a COPY the server rejects fails its transaction instead of hanging', async (t) => {
        // seq 0 is stored: the COPY breaks the primary key once CopyDone has been sent.
        const duplicate = encodeCopyBinary(
          ['int8', 'text', 'int4', 'bytea'],
          [[attemptId, 'stdout', 0, Buffer.from('dup')]],
        );
        const attempt = api.store.transaction((tx) =>
          tx.copyIn!('COPY log_chunks (attempt_id, stream, seq, data) FROM STDIN (FORMAT binary)', duplicate),
        );
        const timeout = new Promise((_, reject) =>
          setTimeout(() => reject(new Error('the COPY hung')), 10_000).unref(),
        );
        await t.rejects(Promise.race([attempt, timeout]), /duplicate key|aborted/);
        t.equal((await stored(api, attemptId)).length, 5, 'nothing half-written');
        // The pool is still usable afterwards.
        t.equal((await api.store.rows<{ one: number }>(sql`SELECT 1 AS one`))[0]!.one, 1);
      });
    }
  });
}
