/**
 * A fresh PostgreSQL database per scenario run on the machine's server (127.0.0.1:5432, trust
 * auth; BENCH_POSTGRES_URL points elsewhere), dropped when the run ends.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Cleanup } from './cleanup.js';

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freshDatabase(cleanup: Cleanup): Promise<string> {
  const name = `batch_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  cleanup.add(`drop database ${name}`, async () => {
    const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await sql.end();
    }
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Whether the server answers, and its version: PostgreSQL runs are skipped, with this reason, when it does not. */
export async function probePostgres(): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
    return { ok: true, version: row?.v ?? '?' };
  } catch (err) {
    return {
      ok: false,
      why: `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host} does not answer: ${(err as Error).message}`,
    };
  } finally {
    await sql.end();
  }
}
