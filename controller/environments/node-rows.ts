/**
 * The rows behind a node a provider creates: the PROVISIONING node itself and its own
 * registration token (single use, expiring, bound to the node), written together under the
 * environment's lock so that concurrent creates and registrations cannot pass the
 * `nodesPerEnvironment` quota.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { lockKey } from '../db/locks.js';
import { nodes, registrationTokens } from '../db/schema.js';
import { stateIn, stateValue } from '../db/state-sql.js';
import { hashSecret, newId, newSecret } from '../secrets.js';

export interface NewNode {
  id: string;
  name: string;
  registrationToken: string;
}

export async function insertProvisioningNodes(
  store: Database,
  environment: { id: string; name: string },
  wanted: number,
  quota: number,
  tokenTtlMs: number,
): Promise<NewNode[]> {
  return store.transaction(async (tx) => {
    await lockKey(tx, `nodes:${environment.id}`);
    const [live] = await tx.db
      .select({ n: count() })
      .from(nodes)
      .where(and(eq(nodes.environmentId, environment.id), sql`NOT ${stateIn('nodes', ['TERMINATED'])}`));
    const n = Math.min(wanted, quota - (live?.n ?? 0));
    if (n <= 0) return [];
    const taken = new Set(
      (
        await tx.rows<{ name: string }>(sql`
          SELECT name FROM nodes WHERE environment_id = ${environment.id} AND NOT ${stateIn('nodes', ['TERMINATED'])}`)
      ).map((r) => r.name),
    );
    const made: NewNode[] = [];
    for (let k = 0; made.length < n; k++) {
      const name = `${environment.name}-${k}`;
      if (!taken.has(name)) made.push({ id: newId('n'), name, registrationToken: newSecret('reg') });
    }
    const expiresAt = new Date(Date.now() + tokenTtlMs);
    await tx.db.insert(nodes).values(
      made.map((m) => ({
        id: m.id,
        environmentId: environment.id,
        name: m.name,
        state: stateValue('nodes', 'PROVISIONING'),
        provisioned: true,
        cpu: 0,
        memoryMiB: 0,
        // No agent has its credential yet: nothing matches this hash.
        credentialHash: hashSecret(newSecret('node')),
      })),
    );
    await tx.db.insert(registrationTokens).values(
      made.map((m) => ({
        id: newId('rt'),
        environmentId: environment.id,
        tokenHash: hashSecret(m.registrationToken),
        createdBy: 'provider',
        expiresAt,
        maxUses: 1,
        nodeId: m.id,
      })),
    );
    return made;
  });
}
