/** What a controller does with word from the others (bus.ts): each message points at the tables. */
import { assertNever } from '../../protocol/messages.js';
import type { SessionRegistry } from '../gateway/registry.js';
import { errorText, type Logger } from '../log.js';
import type { Wake } from '../scheduler/wake.js';
import type { ClusterHandlers } from './bus.js';
import type { HeldNodes } from './held-nodes.js';

export function peerHandlers(deps: {
  held: HeldNodes;
  registry: SessionRegistry;
  wakeScheduler: Wake;
  log: Logger;
}): ClusterHandlers {
  const sync = (nodes?: readonly string[]) =>
    deps.held.sync(nodes).catch((err: unknown) => deps.log.warn(`delivering intent: ${errorText(err)}`));
  return {
    message(message) {
      switch (message.kind) {
        case 'nodes':
          void sync(message.nodes);
          return;
        case 'close':
          for (const id of message.nodes) deps.registry.get(id)?.close(message.code, message.reason);
          return;
        case 'work':
          deps.wakeScheduler('peer-work', []);
          return;
        default:
          assertNever(message);
      }
    },
    // (Re)subscribed: what was said meanwhile is lost; the tables say it again.
    listening() {
      void sync();
      deps.wakeScheduler('peer-work', []);
    },
  };
}
