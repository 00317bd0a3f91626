/**
 * A fresh PostgreSQL database per test file on the machine's server (127.0.0.1:5432, trust
 * auth), dropped when the test ends. BATCH_TEST_POSTGRES_URL points elsewhere if needed.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Teardown } from './tmp.js';

export const POSTGRES_ADMIN_URL = process.env.BATCH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freshDatabase(t: Teardown): Promise<string> {
  const name = `batch_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  t.teardown(async () => {
    const cleanup = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cleanup.end();
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
