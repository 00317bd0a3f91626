/**
 * Hands the scheduler's starts to the nodes connected here, each prepared with its signed URLs
 * first (what cannot be staged fails at once). The scheduler places only onto nodes connected
 * here; one that went away meanwhile gets its starts when it reconnects (resync re-sends
 * SCHEDULED attempts). Kills go through `cluster/held-nodes.ts`, since a stop may be for a node
 * connected to another controller.
 */
import type { StartAttempt } from '../../protocol/messages.js';
import type { AttemptDelivery, StartedAttempt } from '../attempts/started.js';
import { groupBy } from '../group-by.js';
import type { ReportBatcher } from '../reports/batcher.js';
import type { ObjectStore } from '../storage/object-store.js';
import { prepareStart, type StagingConfig } from './prepare-start.js';
import type { SessionRegistry } from './registry.js';

export interface GatewayDelivery extends Pick<AttemptDelivery, 'starts'> {
  /** Prepared messages for one node without sending them (resync sends them with its others). */
  prepare(attempts: readonly StartedAttempt[]): Promise<StartAttempt[]>;
}

export function gatewayDelivery(
  registry: SessionRegistry,
  batcher: ReportBatcher,
  objects: ObjectStore,
  config: StagingConfig,
): GatewayDelivery {
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
          retryable: p.retryable,
          at: Date.now(),
        });
    }
    return ready;
  };
  return {
    prepare,
    async starts(attempts) {
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
