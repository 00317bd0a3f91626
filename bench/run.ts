/**
 * The bench runner (`make bench`): runs each selected scenario against a fresh controller process
 * per run and store, folds the runs of each figure into its median, prints a table and one JSON
 * line per figure, and writes bench/results/<timestamp>.json and latest.json. See options.ts
 * for the flags, bench/README.md for what each scenario measures.
 */
import os from 'node:os';
import { Cleanup } from './cleanup.js';
import type { StoreKind } from './controller.js';
import { probePostgres } from './database.js';
import { Deadline, DidNotFinish } from './deadline.js';
import { figure, summarize, type Figure, type Summary } from './figures.js';
import { describeHost, openFilesLimit } from './host.js';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options.js';
import { printJsonLines, printTable, writeResults, type Results } from './report.js';
import type { Scenario } from './scenario.js';
import { agentFootprint } from './scenarios/agent-footprint.js';
import { consoleRender } from './scenarios/console-render.js';
import { dispatch } from './scenarios/dispatch.js';
import { eventFanout } from './scenarios/event-fanout.js';
import { eventsFollow } from './scenarios/events-follow.js';
import { fleetSize } from './scenarios/fleet-size.js';
import { growth } from './scenarios/growth.js';
import { logs } from './scenarios/logs.js';
import { provision, provisionBatch } from './scenarios/provision.js';
import { realProcesses } from './scenarios/real-processes.js';
import { severalControllers } from './scenarios/several-controllers.js';
import { startLatency } from './scenarios/start-latency.js';

const SCENARIOS: Scenario[] = [
  dispatch,
  eventsFollow,
  eventFanout,
  startLatency,
  realProcesses,
  logs,
  fleetSize,
  agentFootprint,
  provision,
  provisionBatch,
  consoleRender,
  severalControllers,
  growth,
];

const benchStarted = Date.now();
function log(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

/** The run in progress, so Ctrl-C still stops its controller and drops its database. */
let current: Cleanup | undefined;

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`bench: ${err.message}\n`);
    process.stderr.write(
      `${USAGE}\nscenarios: ${SCENARIOS.map((s) => s.id + (s.byDefault ? '' : ' (opt-in)')).join(', ')}\n`,
    );
    process.exit(err.message ? 2 : 0);
  }
  const selected = select(options);
  const postgres = await probePostgres();
  const host = describeHost(postgres.ok ? postgres.version : undefined);
  const startedAt = new Date().toISOString();
  log(`scale ${options.scale}, ${options.runs} run(s) per figure, scenarios: ${selected.map((s) => s.id).join(', ')}`);
  if ((host.load1AtStart as number) > 0.5)
    log(`note: load average is ${host.load1AtStart} before starting; figures will be noisier`);
  warnAboutOpenFiles(selected, options);

  const figures: Summary[] = [];
  const save = () =>
    writeResults({
      startedAt,
      finishedAt: new Date().toISOString(),
      host: { ...host, load1AtEnd: Number(os.loadavg()[0]!.toFixed(2)) },
      options,
      figures,
    } satisfies Results);
  for (const scenario of selected) {
    const stores: (StoreKind | undefined)[] =
      scenario.stores.length === 0 ? [undefined] : (options.stores ?? scenario.stores);
    for (const store of stores) {
      const group = store ? `${scenario.id}.${store}` : scenario.id;
      const why = scenario.unavailable?.() ?? (store === 'postgres' && !postgres.ok ? postgres.why : undefined);
      if (why) {
        log(`${group}: skipped: ${why}`);
        figures.push(...summarize([[figure(group, null, '', store ? { store } : {}, { note: `skipped: ${why}` })]]));
        continue;
      }
      figures.push(...(await runGroup(scenario, store, group, options)));
      save();
    }
  }

  process.stdout.write('\n');
  printTable(figures);
  process.stdout.write('\n');
  printJsonLines(figures);
  log(`results: ${save()}`);
}

/** The runs of one scenario on one store; a run that fails or times out ends the group. */
async function runGroup(
  scenario: Scenario,
  store: StoreKind | undefined,
  group: string,
  options: BenchOptions,
): Promise<Summary[]> {
  const runs: Figure[][] = [];
  let failure: string | undefined;
  for (let r = 1; r <= options.runs; r++) {
    const limitS = options.timeoutS ?? scenario.timeoutS(options.scale);
    log(`${group}: run ${r} of ${options.runs} (limit ${limitS} s)`);
    const cleanup = (current = new Cleanup());
    try {
      runs.push(
        await scenario.run({
          store,
          options,
          deadline: new Deadline(limitS),
          cleanup,
          log: (m) => log(`${group}: ${m}`),
        }),
      );
    } catch (err) {
      cleanup.failed = true;
      failure = err instanceof DidNotFinish ? `run ${r}: ${err.message}` : `run ${r} failed: ${(err as Error).message}`;
      log(`${group}: ${failure}`);
      if (!(err instanceof DidNotFinish))
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      runs.push([figure(`${group}.run`, null, '', store ? { store } : {}, { note: failure })]);
    } finally {
      for (const f of await cleanup.run()) log(`${group}: cleanup: ${f}`);
      current = undefined;
    }
    if (failure) break;
  }
  const summaries = summarize(runs);
  for (const s of summaries) if (s.value === null && failure) s.note = failure;
  for (const s of summaries) if (s.value !== null) log(`${s.name} = ${s.value} ${s.unit}`);
  return summaries;
}

function select(options: BenchOptions): Scenario[] {
  if (!options.only) return SCENARIOS.filter((s) => s.byDefault);
  return options.only.map((id) => {
    const found = SCENARIOS.find((s) => s.id === id);
    if (!found) {
      process.stderr.write(`bench: no scenario "${id}"; there are ${SCENARIOS.map((s) => s.id).join(', ')}\n`);
      process.exit(2);
    }
    return found;
  });
}

/** Each simulated node is a socket in the simulator and one in the controller. */
function warnAboutOpenFiles(selected: Scenario[], options: BenchOptions): void {
  const limit = openFilesLimit();
  const nodes = selected.some((s) => s.id === 'fleet-size')
    ? 10_000 * options.scale
    : selected.some((s) => s.id === 'growth')
      ? 5000 * options.scale
      : 1000 * options.scale;
  if (limit !== undefined && limit < nodes + 1000) {
    log(
      `warning: the open-files limit is ${limit}, and ${Math.round(nodes)} simulated nodes need more than that in the simulator and in the controller; raise it with \`ulimit -n\` (make bench does, up to the hard limit)`,
    );
  }
}

process.on('SIGINT', () => {
  log('interrupted: stopping the current run');
  void (current?.run() ?? Promise.resolve([])).finally(() => process.exit(130));
});

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
