/** batch-controller: wiring only. Configuration comes from the environment (SPEC §7). */
import type { Server } from 'node:http';
import { inspect } from 'node:util';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { BATCH_VERSION } from '../protocol/version.js';
import { bootstrap } from './bootstrap.js';
import { ConfigError, readConfig } from './config.js';
import { secureDataDir } from './data-dir.js';
import { lockDataDir } from './data-dir-lock.js';
import { openDatabase } from './db/client.js';
import { underStartupLock } from './db/startup-lock.js';
import { ClusterBus } from './cluster/bus.js';
import { HeldNodes } from './cluster/held-nodes.js';
import { LEASE_TTL_MS, Leases } from './cluster/leases.js';
import { peerHandlers } from './cluster/handlers.js';
import {
  markControllerStopped,
  newControllerId,
  peersSeenWithin,
  registerController,
  retireDeadControllers,
  startMembership,
} from './cluster/membership.js';
import { sharedSetupWarnings } from './cluster/shared-setup.js';
import { detectLostNodes, flushHeartbeats, HeartbeatTracker, restartHeartbeatClock } from './gateway/heartbeats.js';
import { SessionRegistry } from './gateway/registry.js';
import { attachGateway } from './gateway/server.js';
import { createApp } from './http/app.js';
import { EventHub } from './events/hub.js';
import { configureLogging, createLogger, errorText } from './log.js';
import { LogBus } from './logs/bus.js';
import { LocalProvider } from './providers/local.js';
import { providerRegistry } from './providers/registry.js';
import { ForkedProgramRunner } from './providers/program-runner.js';
import { NodePools } from './environments/pool.js';
import { failAttemptsOfNodes } from './reports/node-failures.js';
import { CLOSE_CODES } from '../protocol/messages.js';
import { gatewayDelivery } from './gateway/delivery.js';
import { LogArchiver } from './logs/archive.js';
import { openObjectStore } from './storage/open-store.js';
import { ReportBatcher } from './reports/batcher.js';
import { systemClock } from './clock.js';
import { LogThrottle } from './log-throttle.js';
import { RefusalAudit } from './access/audit.js';
import { SchedulerLoop } from './scheduler/loop.js';
import { schedulingPass } from './scheduler/pass.js';
import { loadNextBackoffEnd } from './scheduler/snapshot.js';
import { ScheduleTicker } from './schedules/ticker.js';
import { createMetrics, observePass } from './metrics/instruments.js';
import { registerStateGauges } from './metrics/state-gauges.js';
import { readinessCheck } from './health/readiness.js';

async function main(): Promise<void> {
  if (process.argv.includes('--version')) {
    process.stdout.write(`batch-controller ${BATCH_VERSION}\n`);
    return;
  }
  const config = readConfig();
  const unlockDataDir = lockDataDir(config.dataDir);
  configureLogging(config.logLevel);
  const log = createLogger('controller');
  // Several controllers may start at once on one PostgreSQL: one migrates and sets up at a time.
  const { store, boot } = await underStartupLock(config.databaseUrl, async () => {
    const opened = await openDatabase({
      dataDir: config.dataDir,
      ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
    });
    return { store: opened, boot: await bootstrap(opened, config) };
  });
  log.info(`store: ${store.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'}`);
  if (boot.adminTokenAdded)
    log.warn(
      'BATCH_ADMIN_TOKEN was not a token of this database: it was added as another admin token; the earlier ones still work until revoked (batchctl tokens list, batchctl tokens revoke ID)',
    );
  const controllerId = newControllerId();
  const clusterLog = createLogger('cluster');
  const retired = await retireDeadControllers(store, controllerId);
  if (retired.length > 0) clusterLog.info(`took over from controller(s) no longer running: ${retired.join(', ')}`);
  const bus = new ClusterBus(store, controllerId, clusterLog);
  // The singleton duties check their lease before each run; taken before any of them starts.
  // eslint-disable-next-line prefer-const
  let duties: { gained(duty: string): void } | undefined;
  const leases = new Leases({
    store,
    holder: controllerId,
    clock: systemClock,
    log: clusterLog,
    gained: (duty) => duties?.gained(duty),
  });

  const registry = new SessionRegistry();
  const logBus = new LogBus();
  const heartbeats = new HeartbeatTracker();
  let publicUrl = '';
  const objects = openObjectStore(config, () => publicUrl);
  // Everything above has created its files; tasks of local agents must not read any of them.
  secureDataDir(config.dataDir);
  log.info(
    `object storage: ${objects.kind === 's3' ? `S3-compatible at ${config.oss?.endpoint ?? `AWS ${config.oss?.region}`}` : `local directory in ${config.dataDir}/objects`}`,
  );
  const archiver = new LogArchiver(store, objects, createLogger('logs'), 2000, () => leases.holds('log-archive'));
  const metrics = createMetrics();
  registerStateGauges(metrics, { store, connectedAgents: () => registry.connected().size });
  // Started before the API serves: a stream opened at once must find the reader's position.
  const events = new EventHub(store, {
    ...config.events,
    log: createLogger('events'),
    mayPurge: () => leases.holds('retention'),
  });
  await leases.start();
  await events.start();
  // Assigned once the report batcher it is woken by exists (the two need each other).
  // eslint-disable-next-line prefer-const
  let scheduler: SchedulerLoop | undefined;
  const batcher = new ReportBatcher(
    store,
    (jobIds) => {
      scheduler?.wake('attempt-reports', [...jobIds]);
      archiver.wake();
      void events.wake();
    },
    logBus,
    createLogger('reports'),
    {
      baseMs: config.retryBackoffMs,
      maxMs: config.retryBackoffMaxMs,
    },
    metrics,
  );
  const gateway = gatewayDelivery(registry, batcher, objects, {
    ...(config.oss ? { oss: config.oss } : {}),
    ...(config.ossMount ? { ossMount: config.ossMount } : {}),
  });
  // Kills reach nodes held by other controllers through them (cluster/held-nodes.ts).
  const held = new HeldNodes({
    store,
    registry,
    bus,
    clock: systemClock,
    log: clusterLog,
    prepare: (attempts) => gateway.prepare(attempts),
  });
  const pass = schedulingPass({
    store,
    connectedNodes: () => registry.connected(),
    delivery: { starts: (attempts) => gateway.starts(attempts), kills: (kills) => held.kills(kills) },
    log: createLogger('jobs'),
  });
  scheduler = new SchedulerLoop({
    // A pass changes states: its events are read and handed out right after it.
    runPass: async (request) => {
      const report = await pass(request);
      void events.wake();
      // Ready work may fit nodes held by other controllers: they place it now, not at their tick.
      if (report.madeReady) void bus.publish({ kind: 'work' });
      // Nodes the pass made TERMINATING are for the pools to delete now, not at their next second.
      if (report.changed.nodes > 0) pools?.wake();
      return report;
    },
    clock: systemClock,
    log: createLogger('scheduler'),
    onPass: observePass(metrics, () => systemClock.now()),
    nextBackoffEnd: () => loadNextBackoffEnd(store),
  });
  const ticker = new ScheduleTicker({
    store,
    clock: systemClock,
    log: createLogger('schedules'),
    scheduler,
    defaultEnvironment: config.defaultEnvironment,
    active: () => leases.holds('schedules'),
  });
  // The controller was away, not the nodes: their grace period starts now (unless others were not).
  await restartHeartbeatClock(store, controllerId, LEASE_TTL_MS);
  // Started once the server listens (their agents need the URL); the API may wake them first.
  // eslint-disable-next-line prefer-const
  let pools: NodePools | undefined;

  const app = createApp({
    store,
    objects,
    registry,
    logBus,
    events,
    log: createLogger('http'),
    defaultEnvironment: config.defaultEnvironment,
    scheduler: {
      // A submit placed here may as well be placed on nodes of the other controllers.
      wake: (reason, jobs) => {
        scheduler.wake(reason, jobs);
        if (reason === 'job-submitted') void bus.publish({ kind: 'work' });
      },
      settle: (reason, jobs) => {
        if (reason === 'job-submitted') void bus.publish({ kind: 'work' });
        return scheduler.settle(reason, jobs);
      },
    },
    refusals: new RefusalAudit(store, systemClock, createLogger('audit')),
    clock: systemClock,
    scheduleTicker: ticker,
    metrics,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    readiness: readinessCheck({ store, lastPassAt: () => scheduler.lastPassEndedAt }),
    pools: {
      wake: (force) => pools?.wake(force),
      evict: (nodeIds, why) => failAttemptsOfNodes(store, batcher, nodeIds, () => why).then(() => undefined),
    },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s as Server));
    // A port in use is a setting to change, said in one line, not a stack trace.
    (s as Server).once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new ConfigError(
              `BATCH_PORT=${config.port}: ${config.host}:${config.port} ${err.code === 'EADDRINUSE' ? 'is in use (another controller?)' : 'may not be used by this user'}; set BATCH_PORT to a free port`,
            )
          : err,
      );
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  publicUrl = url;
  const gatewayLog = createLogger('gateway');
  await registerController(store, controllerId, url);
  bus.peersUp = await peersSeenWithin(store, controllerId, LEASE_TTL_MS);
  if (bus.peersUp)
    for (const warning of sharedSetupWarnings({ objectStore: objects.kind, localNodes: config.localNodes }))
      clusterLog.warn(warning, { event: 'cluster.setup' });
  attachGateway(server, {
    store,
    objects,
    delivery: gateway,
    batcher,
    registry,
    heartbeats,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    wakeScheduler: (reason, jobs) => {
      scheduler.wake(reason, jobs);
    },
    log: gatewayLog,
    peerLog: new LogThrottle((line) => gatewayLog.warn(line), systemClock),
  });

  const livenessLog = createLogger('liveness');
  const liveness = setInterval(() => {
    void (async () => {
      // Every controller writes the heartbeats of its own nodes; one judges silence.
      await flushHeartbeats(store, heartbeats);
      if (!leases.holds('lost-nodes')) return;
      const lost = await detectLostNodes(store, config.nodeLostAfterMs, batcher, registry, livenessLog);
      if (lost.length > 0) {
        scheduler.wake('nodes-lost');
        await bus.publish({ kind: 'close', nodes: lost, code: CLOSE_CODES.LOST, reason: 'declared lost' });
        await bus.publish({ kind: 'work' });
      }
    })().catch((err: unknown) => livenessLog.error(`liveness check failed: ${errorText(err)}`));
  }, 1000);
  const stopMembership = startMembership({
    store,
    id: controllerId,
    bus,
    leases,
    connectedNodes: () => registry.connected().size,
    log: clusterLog,
  });
  await bus.start(
    peerHandlers({ held, registry, wakeScheduler: (reason, jobs) => scheduler.wake(reason, jobs), log: clusterLog }),
  );
  held.start();
  scheduler.start();
  archiver.start();
  ticker.start();
  const local = new LocalProvider({ dataDir: config.dataDir, controllerUrl: () => url, log: createLogger('local') });
  const programs = new ForkedProgramRunner(createLogger('providers'));
  const providerFor = providerRegistry(local, programs);
  pools = new NodePools({
    store,
    clock: systemClock,
    log: createLogger('nodes'),
    config: { ...config.nodes, callTimeoutMs: 300_000 },
    providerFor,
    controllerUrl: () => url,
    wakeScheduler: () => scheduler.wake('node-intent'),
    failAttempts: async (nodeIds, why) => {
      await failAttemptsOfNodes(store, batcher, nodeIds, () => why);
    },
    disconnect: (nodeId) => {
      const link = registry.get(nodeId);
      if (link) link.close(CLOSE_CODES.TERMINATED, 'node terminated');
      else
        void bus.publish({ kind: 'close', nodes: [nodeId], code: CLOSE_CODES.TERMINATED, reason: 'node terminated' });
    },
    active: () => leases.holds('node-pools'),
  });
  duties = {
    // A duty just taken over starts now rather than at its next tick.
    gained: (duty) => {
      if (duty === 'node-pools') pools.wake();
      else if (duty === 'schedules') ticker.wake();
      else if (duty === 'log-archive') archiver.wake();
    },
  };
  pools.start();

  const token =
    boot.adminToken && boot.adminTokenSource !== 'env'
      ? boot.adminToken
      : boot.adminTokenSource === 'env'
        ? '(the value of BATCH_ADMIN_TOKEN)'
        : `(made at the database's first start: <data dir>/admin-token of the controller that made it; or set BATCH_ADMIN_TOKEN)`;
  process.stdout.write(
    [
      `Batch controller ${BATCH_VERSION} is running`,
      `  Console:      ${url}/   (sign in with the admin token)`,
      `  API:          ${url}/v1   (OpenAPI: ${url}/v1/openapi.json)`,
      `  Admin token:  ${token}`,
      `  Local nodes:  ${config.localNodes} agent process(es) in ${config.dataDir}/local-nodes`,
      `In another shell:`,
      `  export BATCH_URL=${url} BATCH_TOKEN=${boot.adminToken && boot.adminTokenSource !== 'env' ? boot.adminToken : '<admin token>'}`,
      `  batchctl nodes          (batchctl on the PATH: the README's tour; or npx batchctl)`,
      `BATCH_URL=${url}`,
      '',
    ].join('\n'),
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info(`${signal}: shutting down`);
    clearInterval(liveness);
    stopMembership();
    held.stop();
    await bus.stop();
    scheduler.stop();
    archiver.stop();
    await ticker.stop();
    events.stop();
    await pools.stop();
    await local.stopAll();
    programs.stop();
    await batcher.flushed();
    batcher.stop();
    registry.closeAll('controller shutting down');
    server.close();
    await flushHeartbeats(store, heartbeats).catch((err: unknown) =>
      log.warn(`last heartbeats not written: ${errorText(err)}`),
    );
    // A successor takes the duties at its next renewal instead of after the leases expire.
    await leases.stop();
    await markControllerStopped(store, controllerId).catch((err: unknown) =>
      log.warn(`controller row not marked stopped: ${errorText(err)}`),
    );
    await store.close();
    unlockDataDir();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`batch-controller: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`batch-controller: ${errorText(err)}\n`);
  // drizzle wraps driver errors ("Failed query: …"): the cause says what actually went wrong.
  for (let cause = (err as Error).cause; cause !== undefined; cause = (cause as Error).cause) {
    process.stderr.write(`caused by: ${cause instanceof Error ? cause.message : inspect(cause)}\n`);
  }
  process.exit(1);
});
