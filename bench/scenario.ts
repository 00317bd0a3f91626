/** What a scenario is and what one run of it gets from the runner. */
import type { Cleanup } from './cleanup.js';
import type { StoreKind } from './controller.js';
import type { Deadline } from './deadline.js';
import type { Figure } from './figures.js';
import type { BenchOptions } from './options.js';
import { PROFILES_DIR } from './paths.js';

export interface RunContext {
  /** undefined for scenarios that do not depend on the store. */
  store: StoreKind | undefined;
  options: BenchOptions;
  deadline: Deadline;
  cleanup: Cleanup;
  /** A progress line on stderr (stdout is for the table and the JSON lines). */
  log: (message: string) => void;
}

export interface Scenario {
  /** Used in figure names and --only. */
  id: string;
  title: string;
  /** Stores it runs against by default; empty = it does not use one (one run set, store undefined). */
  stores: StoreKind[];
  /** In the default set (`make bench`)? Opt-in scenarios run only when --only names them. */
  byDefault: boolean;
  /** Per-run time limit in seconds at the given scale. */
  timeoutS(scale: number): number;
  /** Why it cannot run here, if it cannot (a missing binary): the bench prints "skipped: why". */
  unavailable?(): string | undefined;
  run(ctx: RunContext): Promise<Figure[]>;
}

/** Sizes scale linearly but never below a floor that still measures something. */
export function scaled(full: number, scale: number, floor: number): number {
  return Math.max(floor, Math.round(full * scale));
}

/** Controller options for `--profile`: a CPU profile of the controller in results/profiles/. */
export function profiling(ctx: RunContext): { cpuProfileDir?: string } {
  return ctx.options.profile ? { cpuProfileDir: PROFILES_DIR } : {};
}
