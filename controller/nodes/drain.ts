/**
 * Drain and undrain record intent (`nodes.desired`) and nothing else: placement skips a node
 * whose intent is drain at once, and the scheduler derives its state (READY ⇄ DRAINING,
 * scheduler/reconcile.ts `reconcileNodes`). Work already running on it finishes.
 */
import { eq } from 'drizzle-orm';
import type { Caller } from '../access/caller.js';
import { requireManager } from '../access/visibility.js';
import type { Database } from '../db/client.js';
import { nodes } from '../db/schema.js';
import { findNode } from './view.js';

export async function setNodeIntent(
  store: Database,
  caller: Caller,
  id: string,
  desired: 'run' | 'drain',
): Promise<void> {
  const node = await findNode(store, caller, id);
  requireManager(caller, { name: node.environment, ownerId: node.ownerId, shared: node.shared });
  await store.db.update(nodes).set({ desired }).where(eq(nodes.id, node.id));
}
