/**
 * COPY … FROM STDIN inside a postgres.js transaction, with the failure postgres.js does not
 * report: once the stream's end has been handed over (CopyDone sent), an error from the server —
 * a constraint violation, a lost connection — settles nothing, and waiting for 'finish' hangs for
 * ever. So a probe query is pipelined right behind CopyDone: it succeeds only if the COPY did (a
 * failed COPY aborts the transaction, and the probe fails with it), and it fails when the
 * connection does.
 */
import type { Writable } from 'node:stream';
import type postgres from 'postgres';

export async function copyIn(client: postgres.Sql, statement: string, data: Buffer): Promise<void> {
  const writable: Writable = await client.unsafe(statement).writable();
  const handedOver = new Promise<void>((resolve, reject) => {
    // An error before CopyDone is sent destroys the stream: that one postgres.js does report.
    writable.once('error', reject);
    const final = writable._final.bind(writable);
    writable._final = (callback) => {
      final(callback);
      resolve();
    };
  });
  writable.end(data);
  await handedOver;
  await client.unsafe('SELECT 1');
}
