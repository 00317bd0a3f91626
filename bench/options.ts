/**
 * The bench's options, from flags or the environment (flags win):
 *
 *   --quick              BENCH_QUICK=1     scale 0.1 and one run per figure
 *   --scale=F            BENCH_SCALE=F     multiply every scenario's size (nodes, instances, bytes)
 *   --runs=N             BENCH_RUNS=N      runs per figure; figures are their medians (default 3)
 *   --only=a,b           BENCH_ONLY=a,b    scenario ids (default: all but `growth`)
 *   --stores=s,t         BENCH_STORES=s,t  postgres, pglite (default: each scenario's own)
 *   --timeout=S          BENCH_TIMEOUT=S   per-run limit in seconds, instead of each scenario's own
 *   --keep               BENCH_KEEP=1      keep controllers' data dirs and logs
 *   --validate           BENCH_VALIDATE=1  the simulator checks every controller frame against the
 *                                          catalogue (costs simulator CPU, which the controller shares)
 *   --profile            BENCH_PROFILE=1   diagnostics, not figures: sample PostgreSQL's active statements
 *                                          during dispatch runs (and their waits in provision), and write a CPU profile of each controller
 *                                          of dispatch, start-latency, real-processes and logs
 *                                          (bench/results/profiles/*.cpuprofile: Chrome DevTools, or
 *                                          `node dist/bench/profile-top.js FILE` for the top functions)
 */
import type { StoreKind } from './controller.js';

export interface BenchOptions {
  quick: boolean;
  scale: number;
  runs: number;
  only: string[] | undefined;
  stores: StoreKind[] | undefined;
  timeoutS: number | undefined;
  keep: boolean;
  validate: boolean;
  profile: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unknown argument "${arg}"`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const get = (flag: string, variable: string) => flags.get(flag) ?? (env[variable] === '' ? undefined : env[variable]);
  for (const flag of flags.keys()) {
    if (!['quick', 'scale', 'runs', 'only', 'stores', 'timeout', 'keep', 'validate', 'profile', 'help'].includes(flag))
      throw new UsageError(`unknown flag --${flag}`);
  }
  if (flags.has('help')) throw new UsageError('');
  const quick = truthy(get('quick', 'BENCH_QUICK'));
  const options: BenchOptions = {
    quick,
    scale: positive('scale', get('scale', 'BENCH_SCALE') ?? (quick ? '0.1' : '1')),
    runs: Math.round(positive('runs', get('runs', 'BENCH_RUNS') ?? (quick ? '1' : '3'))),
    only: list(get('only', 'BENCH_ONLY')),
    stores: storeKinds(list(get('stores', 'BENCH_STORES'))),
    timeoutS:
      get('timeout', 'BENCH_TIMEOUT') === undefined ? undefined : positive('timeout', get('timeout', 'BENCH_TIMEOUT')!),
    keep: truthy(get('keep', 'BENCH_KEEP')),
    validate: truthy(get('validate', 'BENCH_VALIDATE')),
    profile: truthy(get('profile', 'BENCH_PROFILE')),
  };
  return options;
}

/** Checked before it is typed: the list used to be cast to StoreKind[] first and checked after. */
function storeKinds(names: string[] | undefined): StoreKind[] | undefined {
  return names?.map((store) => {
    if (store !== 'postgres' && store !== 'pglite')
      throw new UsageError(`--stores: "${store}" is not postgres or pglite`);
    return store;
  });
}

export const USAGE = `usage: node dist/bench/run.js [--quick] [--scale=F] [--runs=N] [--only=ids] [--stores=postgres,pglite] [--timeout=S] [--keep] [--validate] [--profile]`;

function truthy(value: string | undefined): boolean {
  return value !== undefined && !['0', 'false', 'no', ''].includes(value.toLowerCase());
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name}: "${raw}" is not a positive number`);
  return value;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}
