/** What the HTTP routes need from the rest of the controller. */
import type { Database } from '../db/client.js';
import type { SessionRegistry } from '../gateway/registry.js';
import type { Logger } from '../log.js';
import type { LogBus } from '../logs/bus.js';
import type { ObjectStore } from '../storage/object-store.js';

export interface AppDeps {
  store: Database;
  objects: ObjectStore;
  registry: SessionRegistry;
  logBus: LogBus;
  log: Logger;
  defaultEnvironment: string;
  /** `jobIds`: the jobs whose instances changed (absent = reconcile every active job). */
  wakeScheduler(reason: string, jobIds?: string[]): void;
  /** Called when an environment's desired node count changes (the local provider follows it). */
  onEnvironmentScaled?(name: string, desiredNodes: number): void;
}
