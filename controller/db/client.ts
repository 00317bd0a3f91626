/**
 * Opens the store: embedded PGlite under the data dir by default, PostgreSQL when a URL is given.
 * Both run the same drizzle schema and the same versioned migrations at start.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { copyIn } from './copy-in.js';
import { noDelaySocket } from './no-delay-socket.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Runs raw SQL (the set-based hot paths) and returns its rows, whatever the driver. */
  rows<T>(query: SQL): Promise<T[]>;
  /**
   * Runs several reads against one snapshot (a read-only REPEATABLE READ transaction), so a
   * resource assembled from several queries never mixes states from before and after a write.
   */
  readConsistent<T>(fn: (view: Database) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a read-write transaction: every statement through the Database it is given
   * commits together or not at all (a throw rolls back). Nested calls open savepoints.
   */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: runs `COPY … FROM STDIN` with `data` on this view's connection — inside
   * the transaction when the view is one (bulk log bytes without postgres.js's hex encoding).
   * Absent on PGlite.
   */
  copyIn?(statement: string, data: Buffer): Promise<void>;
  /**
   * PostgreSQL only: `LISTEN channel` on a connection of its own, which postgres.js reconnects
   * and subscribes again after a failure. `onListen` runs after every (re)subscription: what was
   * notified while the connection was down is lost, so the caller catches up from the tables.
   * Absent on PGlite, which has one controller and so no one else to hear from.
   */
  listen?(channel: string, onMessage: (payload: string) => void, onListen: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Runs COPY on the connection behind a drizzle database or transaction (PostgreSQL). */
type CopyRunner = (db: Db, statement: string, data: Buffer) => Promise<void>;

function view(db: Db, kind: Database['kind'], close: () => Promise<void>, copy?: CopyRunner): Database {
  const self: Database = {
    db,
    kind,
    rows: async <T>(query: SQL) => rowsOf<T>(await db.execute(query)),
    readConsistent: <T>(fn: (v: Database) => Promise<T>) =>
      db.transaction((tx) => fn(view(tx, kind, close, copy)), {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      }),
    transaction: <T>(fn: (tx: Database) => Promise<T>) => db.transaction((tx) => fn(view(tx, kind, close, copy))),
    close,
  };
  if (copy) self.copyIn = (statement, data) => copy(db, statement, data);
  return self;
}

/** Migrations ship as SQL files beside the source, found from the compiled file's location. */
export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../controller/db/migrations',
);

export async function openDatabase(options: { url?: string; dataDir: string }): Promise<Database> {
  if (options.url) return openPostgres(options.url);
  return openPglite(path.join(options.dataDir, 'pgdata'));
}

/** Rows of a raw `execute` result: postgres.js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

async function openPglite(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  return view(db, 'pglite', () => client.close());
}

async function openPostgres(url: string): Promise<Database> {
  const options = {
    max: 10,
    onnotice: () => {},
    // int8 (bigserial ids, counts) as numbers, as PGlite returns them.
    types: { int8: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
  };
  // `socket` is in postgres.js's README ("Custom socket") but not in its type declarations.
  const client = postgres(url, Object.assign(options, { socket: noDelaySocket }));
  const db = drizzlePostgres({ client, schema });
  await migratePostgres(db, { migrationsFolder: MIGRATIONS_DIR });
  // drizzle keeps the postgres.js client on its session: a transaction's own reserved connection,
  // or the pool for the database itself. The session is not in drizzle's public types.
  const copy: CopyRunner = (on, statement, data) =>
    copyIn((on as unknown as { session: { client: postgres.Sql } }).session.client, statement, data);
  const store = view(db, 'postgres', () => client.end({ timeout: 5 }), copy);
  store.listen = async (channel, onMessage, onListen) => {
    const subscription = await client.listen(channel, onMessage, onListen);
    return () => subscription.unlisten();
  };
  return store;
}
