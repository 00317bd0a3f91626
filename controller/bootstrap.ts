/**
 * First-start setup, idempotent on every start: the admin user and its token, and the built-in
 * shared `local` compute environment. The generated admin token is written to
 * `<data dir>/admin-token` (mode 0600) so `make run` can show it again; only its hash is stored.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { ControllerConfig } from './config.js';
import type { Database } from './db/client.js';
import { apiTokens, computeEnvironments, users } from './db/schema.js';
import { hashSecret, newId, newSecret } from './secrets.js';

export interface Bootstrapped {
  adminId: string;
  localEnvironmentId: string;
  /** The admin token to show, when it is known (generated now or kept in the data dir). */
  adminToken?: string;
  adminTokenSource: 'generated' | 'file' | 'env' | 'unknown';
  /** BATCH_ADMIN_TOKEN was new to an existing database: it became another admin token. */
  adminTokenAdded: boolean;
}

export const LOCAL_ENVIRONMENT = 'local';

export async function bootstrap(store: Database, config: ControllerConfig): Promise<Bootstrapped> {
  const db = store.db;
  const tokenFile = path.join(config.dataDir, 'admin-token');
  let [admin] = await db.select().from(users).where(eq(users.name, 'admin'));
  let adminToken: string | undefined;
  let source: Bootstrapped['adminTokenSource'] = 'unknown';
  let adminTokenAdded = false;

  if (!admin) {
    adminToken = config.adminToken ?? newSecret('bat');
    source = config.adminToken ? 'env' : 'generated';
    [admin] = await db
      .insert(users)
      .values({ id: newId('u'), name: 'admin', admin: true })
      .returning();
    await db
      .insert(apiTokens)
      .values({ id: newId('t'), userId: admin!.id, name: 'admin', tokenHash: hashSecret(adminToken) });
    if (!config.adminToken) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(tokenFile, `${adminToken}\n`, { mode: 0o600 });
    }
  } else if (config.adminToken) {
    // An operator may hand in the admin token on any start; make sure it works.
    adminToken = config.adminToken;
    source = 'env';
    const added = await db
      .insert(apiTokens)
      .values({ id: newId('t'), userId: admin.id, name: 'admin', tokenHash: hashSecret(adminToken) })
      .onConflictDoNothing()
      .returning({ id: apiTokens.id });
    adminTokenAdded = added.length > 0;
  } else if (existsSync(tokenFile)) {
    adminToken = readFileSync(tokenFile, 'utf8').trim();
    source = 'file';
  }

  await db
    .insert(computeEnvironments)
    .values({
      id: newId('ce'),
      name: LOCAL_ENVIRONMENT,
      ownerId: admin!.id,
      // Kept at BATCH_LOCAL_NODES agent processes on this host by the local provider.
      type: 'managed',
      provider: 'local',
      shared: true,
      desiredNodes: config.localNodes,
    })
    .onConflictDoUpdate({ target: computeEnvironments.name, set: { desiredNodes: config.localNodes } });
  const [local] = await db.select().from(computeEnvironments).where(eq(computeEnvironments.name, LOCAL_ENVIRONMENT));

  const out: Bootstrapped = {
    adminId: admin!.id,
    localEnvironmentId: local!.id,
    adminTokenSource: source,
    adminTokenAdded,
  };
  if (adminToken) out.adminToken = adminToken;
  return out;
}
