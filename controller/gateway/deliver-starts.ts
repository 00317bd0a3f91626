/**
 * Hands claimed attempts to their nodes: prepares each start (signed URLs), sends it if the node
 * is connected here (otherwise resync sends it on reconnect), and fails what cannot be staged.
 */
import type { StartAttempt } from '../../protocol/messages.js';
import { groupBy } from '../group-by.js';
import type { ReportBatcher } from '../reports/batcher.js';
import type { StartedAttempt } from '../scheduler/apply.js';
import type { ObjectStore } from '../storage/object-store.js';
import { prepareStart, type StagingConfig } from './prepare-start.js';
import type { SessionRegistry } from './registry.js';

export interface StartDelivery {
  deliver(attempts: readonly StartedAttempt[]): Promise<void>;
  /** Prepared messages for one node without sending them (resync sends them with its others). */
  prepare(attempts: readonly StartedAttempt[]): Promise<StartAttempt[]>;
}

export function startDelivery(
  registry: SessionRegistry,
  batcher: ReportBatcher,
  objects: ObjectStore,
  config: StagingConfig,
): StartDelivery {
  const prepare = async (attempts: readonly StartedAttempt[]) => {
    const prepared = await Promise.all(attempts.map(async (a) => ({ a, p: await prepareStart(a, objects, config) })));
    const ready: StartAttempt[] = [];
    for (const { a, p } of prepared) {
      if (p.ok) ready.push(p.message);
      else
        batcher.addStatus({
          attemptId: a.attemptId,
          nodeId: a.nodeId,
          state: 'FAILED',
          exitCode: null,
          failureReason: p.reason,
          message: p.message,
          at: Date.now(),
        });
    }
    return ready;
  };
  return {
    prepare,
    async deliver(attempts) {
      const byNode = groupBy(attempts, (a) => a.nodeId);
      await Promise.all(
        [...byNode].map(async ([nodeId, list]) => {
          const messages = await prepare(list);
          registry.send(nodeId, messages);
        }),
      );
    },
  };
}
