/** What the HTTP routes need from the rest of the controller. */
import type { RefusalAudit } from '../access/audit.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import type { EventHub } from '../events/hub.js';
import type { SessionRegistry } from '../gateway/registry.js';
import type { Readiness } from '../health/readiness.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/instruments.js';
import type { LogBus } from '../logs/bus.js';
import type { WakeReason, WakeScope } from '../scheduler/wake.js';
import type { ObjectStore } from '../storage/object-store.js';

/** The scheduler as commands see it: they write intent, then wake it (and may wait for its pass). */
export interface SchedulerHandle {
  wake(reason: WakeReason, jobs?: WakeScope): void;
  /** Wakes and resolves once a pass that began after the call has ended. */
  settle(reason: WakeReason, jobs?: WakeScope): Promise<void>;
}

export interface AppDeps {
  store: Database;
  objects: ObjectStore;
  registry: SessionRegistry;
  logBus: LogBus;
  /** The event stream's reader and subscribers (`GET /v1/events`). */
  events: EventHub;
  log: Logger;
  /** Where tasks naming no environment run; undefined: the caller's auto environment. */
  defaultEnvironment: string | undefined;
  scheduler: SchedulerHandle;
  /** Audits refused tokens at a bounded rate; absent in tests that do not look. */
  refusals?: RefusalAudit;
  /** Time for schedules' next runs; the system clock when absent. */
  clock?: Clock;
  /** Woken when a schedule is created or resumed, so its first tick is not up to a poll late. */
  scheduleTicker?: { wake(): void };
  /** The controller's instruments; absent in tests that do not look (the app makes its own). */
  metrics?: Metrics;
  /** `BATCH_METRICS_TOKEN`: a token that reads /metrics and nothing else. */
  metricsToken?: string;
  /** What /readyz reports; absent in tests (only the database is then checked). */
  readiness?: () => Promise<Readiness>;
  /** Environments' nodes follow their intent (environments/pool.ts); woken when it changes. */
  pools?: {
    wake(forceEnvironment?: string): void;
    /** Fails the running instances of nodes deleted by force (re-queued, retries not spent). */
    evict(nodeIds: readonly string[], why: string): Promise<void>;
  };
}
