/**
 * Hands the scheduler's decisions to the nodes connected here: starts (each prepared with its
 * signed URLs first; what cannot be staged fails at once) and kills. A node that is not
 * connected right now gets both when it reconnects: resync re-sends SCHEDULED attempts and
 * kills every attempt whose `desired` is stop.
 */
import type { StartAttempt } from '../../protocol/messages.js';
import type { AttemptDelivery, AttemptKill, StartedAttempt } from '../attempts/started.js';
import { groupBy } from '../group-by.js';
import type { ReportBatcher } from '../reports/batcher.js';
import type { ObjectStore } from '../storage/object-store.js';
import { prepareStart, type StagingConfig } from './prepare-start.js';
import type { SessionRegistry } from './registry.js';

export interface GatewayDelivery extends AttemptDelivery {
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
    kills(kills: readonly AttemptKill[]) {
      for (const [nodeId, list] of groupBy(kills, (k) => k.nodeId)) {
        registry.send(
          nodeId,
          list.map((k) => ({ kind: 'killAttempt', attemptId: k.attemptId, reason: 'STOPPED' })),
        );
      }
    },
  };
}
