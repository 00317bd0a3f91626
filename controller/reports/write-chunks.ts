/**
 * Stores agents' log chunks inside the report transaction. Fenced like every report: a chunk is
 * only accepted for an attempt placed on the node that sent it; a chunk already stored (an
 * agent resends what was not acked before a reconnect) is skipped.
 *
 * On PostgreSQL the bytes go in by binary COPY, after one query picks the chunks to write and
 * key-share-locks their attempts (so a job removed meanwhile cannot break the COPY's foreign
 * key). The report batcher is the only writer of log_chunks, so nothing can store a chosen chunk
 * between that query and the COPY; if something did, the COPY fails, the batch is retried and the
 * query skips it then. PGlite takes the chunks as parameters of one INSERT per node.
 */
import { sql } from 'drizzle-orm';
import { encodeCopyBinary } from '../db/copy-binary.js';
import type { Database } from '../db/client.js';
import { groupBy } from '../group-by.js';
import type { ChunkReport } from './record.js';

const key = (c: ChunkReport) => `${c.attemptId}/${c.stream}/${c.seq}`;

function distinct(chunks: readonly ChunkReport[]): ChunkReport[] {
  const seen = new Set<string>();
  return chunks.filter((c) => !seen.has(key(c)) && seen.add(key(c)));
}

async function copyChunks(tx: Database, chunks: readonly ChunkReport[]): Promise<void> {
  const candidates = distinct(chunks);
  const wanted = candidates.map((c, i) => ({
    i,
    attempt_id: c.attemptId,
    node_id: c.nodeId,
    stream: c.stream,
    seq: c.seq,
  }));
  const chosen = await tx.rows<{ i: number }>(sql`
      SELECT r.i FROM jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb)
        AS r(i int, attempt_id bigint, node_id text, stream text, seq int)
      JOIN attempts a ON a.id = r.attempt_id AND a.node_id = r.node_id
      WHERE NOT EXISTS (SELECT 1 FROM log_chunks l WHERE l.attempt_id = r.attempt_id AND l.stream = r.stream AND l.seq = r.seq)
      FOR KEY SHARE OF a`);
  if (chosen.length === 0) return;
  const rows = chosen.map(({ i }) => {
    const c = candidates[i]!;
    return [c.attemptId, c.stream, c.seq, c.data];
  });
  await tx.copyIn!(
    'COPY log_chunks (attempt_id, stream, seq, data) FROM STDIN (FORMAT binary)',
    encodeCopyBinary(['int8', 'text', 'int4', 'bytea'], rows),
  );
}

async function insertChunks(tx: Database, chunks: readonly ChunkReport[]): Promise<void> {
  for (const [nodeId, nodeChunks] of groupBy(chunks, (c) => c.nodeId)) {
    for (let i = 0; i < nodeChunks.length; i += 1000) {
      const values = sql.join(
        nodeChunks
          .slice(i, i + 1000)
          .map(
            (c) =>
              sql`(${c.attemptId}::bigint, ${c.stream}, ${c.seq}::int, ${Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)}::bytea)`,
          ),
        sql`, `,
      );
      await tx.db.execute(sql`
        INSERT INTO log_chunks (attempt_id, stream, seq, data)
        SELECT v.attempt_id, v.stream, v.seq, v.data FROM (VALUES ${values}) AS v(attempt_id, stream, seq, data)
        JOIN attempts a ON a.id = v.attempt_id AND a.node_id = ${nodeId}
        ON CONFLICT DO NOTHING`);
    }
  }
}

/** `tx` must be a transaction: the COPY path relies on the lock its first query takes. */
export async function writeChunks(tx: Database, chunks: readonly ChunkReport[]): Promise<void> {
  if (chunks.length === 0) return;
  if (tx.copyIn) await copyChunks(tx, chunks);
  else await insertChunks(tx, chunks);
}
