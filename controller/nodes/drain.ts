/**
 * Drain and undrain record intent (`nodes.desired`) and nothing else: placement skips a node
 * whose intent is drain at once, and the scheduler derives its state (READY ⇄ DRAINING,
 * scheduler/reconcile.ts `reconcileNodes`). Work already running on it finishes.
 */
import { eq } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
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
  if (node.desired === 'terminate' || node.state === 'TERMINATED')
    throw new BatchError(
      'CONFLICT',
      node.state === 'TERMINATED'
        ? `node ${node.id} is TERMINATED`
        : `node ${node.id} is being terminated (${node.state}); it cannot be drained or undrained`,
    );
  await store.db.update(nodes).set({ desired }).where(eq(nodes.id, node.id));
}

/**
 * `nodes delete`: the node is to go (intent); the scheduler drains it and, once idle, makes it
 * TERMINATING, and the environment's provider deletes it (environments/pool.ts). Returns its id.
 */
export async function deleteNode(store: Database, caller: Caller, id: string, force: boolean): Promise<string> {
  const node = await findNode(store, caller, id);
  requireManager(caller, { name: node.environment, ownerId: node.ownerId, shared: node.shared });
  if (node.state === 'TERMINATED') throw new BatchError('CONFLICT', `node ${node.id} is already TERMINATED`);
  await store.db
    .update(nodes)
    .set({ desired: 'terminate', message: `deleted by ${caller.name}${force ? ' (forced)' : ''}` })
    .where(eq(nodes.id, node.id));
  return node.id;
}
