/**
 * The agent's configuration: flags, each with an environment variable, validated once here so
 * the rest of the agent trusts it. A bad value is reported with its flag and variable name and
 * the process exits with EXIT_BAD_CONFIG, since restarting with the same config cannot help.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname, totalmem, availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { NodeCapacity } from '../protocol/messages.js';
import { labelsSchema } from '../protocol/limits.js';
import { LOG_LEVELS, parseLogLevel, type LogLevel } from '../protocol/log-format.js';
import { DEFAULT_TASK_UIDS, type UidRange } from './isolation/task-users.js';
import { BATCH_VERSION, PROTOCOL_VERSION } from '../protocol/version.js';
import { agentEndpoint, InvalidControllerUrlError } from './controller-url.js';
import { EXIT_BAD_CONFIG, EXIT_OK } from './exit-codes.js';
import { DEFAULT_UNZIP_LIMITS, type UnzipLimits } from './staging/unzip.js';

export interface AgentConfig {
  /** The URLs as the operator wrote them, for log lines. */
  controllerUrl: string;
  /**
   * The WebSocket endpoints derived from them, ws(s)://host[/prefix]/v1/agent, in the order
   * given: several controllers sharing one database, tried in turn when one goes away.
   */
  endpoints: string[];
  registrationToken: string | undefined;
  /** Where the token came from, when from a file: removed once the node has its credential. */
  registrationTokenFile: string | undefined;
  /** Absolute; holds node.json and the work dirs. */
  dir: string;
  labels: Record<string, string>;
  name: string;
  /** GPUs are detected at start (gpus/), not configured: see `gpu`. */
  capacity: Omit<NodeCapacity, 'gpu'>;
  /** `--gpu`: how many GPUs to offer, which wins over detection; undefined: those detected. */
  gpu: number | undefined;
  killGraceMs: number;
  /** What one package may unpack to; beyond it the attempt fails with PACKAGE_ERROR. */
  packageLimits: UnzipLimits;
  /** `auto`: each tenant's tasks run as a user of its own where the agent can switch users. */
  taskIsolation: 'auto' | 'off';
  taskUids: UidRange;
  /** Block devices tasks may mount (`disk` mounts), as globs; empty: none. */
  diskDevices: string[];
  logLevel: LogLevel;
}

export type ConfigOutcome = { run: AgentConfig } | { exit: number };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const MIB = 1024 * 1024;
const MAX_TOKEN_LENGTH = 256; // helloSchema's limit
const MAX_NAME_LENGTH = 255;

function program(): Command {
  return new Command('batch-agent')
    .description('Runs task instances for a Batch controller on this host.')
    .version(
      `batch-agent ${BATCH_VERSION} (protocol ${PROTOCOL_VERSION})`,
      '-v, --version',
      'print the agent and protocol versions',
    )
    .helpOption('-h, --help', 'show this help')
    .addOption(
      new Option(
        '--controller-url <url>',
        'controller URL, http(s):// or ws(s)://, optionally with a path prefix; several controllers sharing one database: repeat the flag or separate URLs with commas, and the agent moves to the next when one goes away',
      )
        .env('BATCH_CONTROLLER_URL')
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option(
        '--registration-token <token>',
        'token from `batchctl envs token ENV`, exchanged at first start for a node credential; prefer the env var, flags show in `ps`',
      ).env('BATCH_REGISTRATION_TOKEN'),
    )
    .addOption(
      new Option(
        '--registration-token-file <path>',
        'read the registration token from this file (mode 0600; removed once the node has its credential), or from stdin with "-"; keeps it out of the environment, where tasks of the same user could read it',
      ).env('BATCH_REGISTRATION_TOKEN_FILE'),
    )
    .addOption(
      new Option('--dir <path>', 'data directory: node credential and work dirs')
        .env('BATCH_AGENT_DIR')
        .default('./batch-agent-data'),
    )
    .addOption(new Option('--labels <k=v,...>', 'node labels matched by task nodeSelector').env('BATCH_NODE_LABELS'))
    .addOption(new Option('--name <name>', 'node name (default: the hostname)').env('BATCH_NODE_NAME'))
    .addOption(new Option('--cpu <n>', 'CPUs offered to tasks (default: detected)').env('BATCH_NODE_CPU'))
    .addOption(
      new Option('--memory-mib <n>', 'memory offered to tasks in MiB (default: detected)').env('BATCH_NODE_MEMORY_MIB'),
    )
    .addOption(
      new Option(
        '--gpu <n>',
        'GPUs offered to tasks (default: the NVIDIA GPUs nvidia-smi lists; with GPUs listed, the first n)',
      ).env('BATCH_NODE_GPU'),
    )
    .addOption(
      new Option('--kill-grace-seconds <s>', 'seconds between SIGTERM and SIGKILL when stopping an instance')
        .env('BATCH_KILL_GRACE_SECONDS')
        .default('5'),
    )
    .addOption(
      new Option(
        '--package-max-bytes <n>',
        `most bytes a task package may unpack to (default ${DEFAULT_UNZIP_LIMITS.maxBytes}, 1 GiB)`,
      ).env('BATCH_PACKAGE_MAX_BYTES'),
    )
    .addOption(
      new Option(
        '--package-max-entries <n>',
        `most files and directories in a task package (default ${DEFAULT_UNZIP_LIMITS.maxEntries})`,
      ).env('BATCH_PACKAGE_MAX_ENTRIES'),
    )
    .addOption(
      new Option(
        '--task-isolation <mode>',
        "auto: run each tenant's tasks as a user of its own (needs root on Linux); off: as the agent's user",
      )
        .env('BATCH_TASK_ISOLATION')
        .choices(['auto', 'off'])
        .default('auto'),
    )
    .addOption(
      new Option('--task-uids <first-last>', 'the uids tenants are given (they need no /etc/passwd entry)')
        .env('BATCH_TASK_UIDS')
        .default(`${DEFAULT_TASK_UIDS.first}-${DEFAULT_TASK_UIDS.last}`),
    )
    .addOption(
      new Option(
        '--disk-devices <globs>',
        'block devices tasks may mount with `disk` mounts, comma-separated globs such as /dev/vdb,/dev/nvme1n*; default: none',
      ).env('BATCH_DISK_DEVICES'),
    )
    .addOption(
      new Option('--log-level <level>', `the least level logged: ${LOG_LEVELS.join(', ')}`)
        .env('BATCH_LOG_LEVEL')
        .default('info'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped by a signal, 1 internal error, 2 bad configuration, 3 refused by the controller.',
    )
    .exitOverride()
    .showSuggestionAfterError();
}

/** Parses argv (without the node and script entries) and the environment. */
export function loadConfig(argv: readonly string[]): ConfigOutcome {
  const cmd = program();
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    // commander has already printed help, the version or its own error message
    if (err instanceof CommanderError) return { exit: err.exitCode === 0 ? EXIT_OK : EXIT_BAD_CONFIG };
    throw err;
  }
  return { run: resolveConfig(cmd.opts()) };
}

interface RawOptions {
  controllerUrl?: string[];
  registrationToken?: string;
  registrationTokenFile?: string;
  dir: string;
  labels?: string;
  name?: string;
  cpu?: string;
  memoryMib?: string;
  gpu?: string;
  killGraceSeconds: string;
  packageMaxBytes?: string;
  packageMaxEntries?: string;
  taskIsolation: 'auto' | 'off';
  taskUids: string;
  diskDevices?: string;
  logLevel: string;
}

function resolveConfig(raw: RawOptions): AgentConfig {
  const urls = (raw.controllerUrl ?? [])
    .flatMap((u) => u.split(','))
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) throw new ConfigError('--controller-url / BATCH_CONTROLLER_URL is required');
  const controllerUrl = urls.join(',');
  const endpoints: string[] = [];
  for (const url of urls) {
    try {
      const endpoint = agentEndpoint(url);
      if (!endpoints.includes(endpoint)) endpoints.push(endpoint);
    } catch (err) {
      if (err instanceof InvalidControllerUrlError)
        throw new ConfigError(`--controller-url / BATCH_CONTROLLER_URL: ${err.message}`);
      throw err;
    }
  }
  const tokenFile = nonEmpty(raw.registrationTokenFile);
  if (tokenFile !== undefined && nonEmpty(raw.registrationToken) !== undefined)
    throw new ConfigError('give the registration token once: --registration-token or --registration-token-file');
  const registrationToken = tokenFile !== undefined ? readTokenFile(tokenFile) : nonEmpty(raw.registrationToken);
  if (registrationToken !== undefined && registrationToken.length > MAX_TOKEN_LENGTH) {
    throw new ConfigError(
      `--registration-token / BATCH_REGISTRATION_TOKEN is longer than ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  const logLevel = parseLogLevel(raw.logLevel);
  if (typeof logLevel !== 'string') throw new ConfigError(`--log-level / ${logLevel.error}`);
  const name = nonEmpty(raw.name) ?? hostname();
  if (name.length > MAX_NAME_LENGTH)
    throw new ConfigError(`--name / BATCH_NODE_NAME is longer than ${MAX_NAME_LENGTH} characters`);
  return {
    logLevel,
    controllerUrl,
    endpoints,
    registrationToken,
    registrationTokenFile: tokenFile === undefined || tokenFile === '-' ? undefined : resolve(tokenFile),
    taskIsolation: raw.taskIsolation,
    taskUids: uidRange(raw.taskUids),
    diskDevices: (nonEmpty(raw.diskDevices) ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== ''),
    dir: resolve(nonEmpty(raw.dir) ?? './batch-agent-data'),
    labels: parseLabels(nonEmpty(raw.labels) ?? ''),
    name,
    capacity: {
      cpu: positiveNumber(raw.cpu, '--cpu / BATCH_NODE_CPU') ?? availableParallelism(),
      memoryMiB: wholeNumber(raw.memoryMib, '--memory-mib / BATCH_NODE_MEMORY_MIB') ?? Math.floor(totalmem() / MIB),
    },
    gpu: wholeNumber(raw.gpu, '--gpu / BATCH_NODE_GPU'),
    killGraceMs: Math.round(
      (nonNegativeNumber(raw.killGraceSeconds, '--kill-grace-seconds / BATCH_KILL_GRACE_SECONDS') ?? 5) * 1000,
    ),
    packageLimits: {
      maxBytes:
        positiveWholeNumber(raw.packageMaxBytes, '--package-max-bytes / BATCH_PACKAGE_MAX_BYTES') ??
        DEFAULT_UNZIP_LIMITS.maxBytes,
      maxEntries:
        positiveWholeNumber(raw.packageMaxEntries, '--package-max-entries / BATCH_PACKAGE_MAX_ENTRIES') ??
        DEFAULT_UNZIP_LIMITS.maxEntries,
    },
  };
}

/** An empty environment variable means "not set", as in most shells' `${VAR:-default}`. */
function uidRange(text: string): UidRange {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  // Below 1000 are the system's own users; above 2^31 some tools misbehave.
  if (!m || first < 1000 || last < first || last >= 2 ** 31)
    throw new ConfigError(`--task-uids / BATCH_TASK_UIDS: "${text}" is not a range FIRST-LAST of uids from 1000 up`);
  return { first, last };
}

function readTokenFile(file: string): string | undefined {
  try {
    // An absent file is normal after the first start: the token was spent and removed.
    if (file !== '-' && !existsSync(file)) return undefined;
    return nonEmpty(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `--registration-token-file / BATCH_REGISTRATION_TOKEN_FILE: cannot read ${file}: ${(err as Error).message}`,
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** "k=v,k2=v2" → { k: 'v', k2: 'v2' }. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (key === '') throw new ConfigError(`--labels / BATCH_NODE_LABELS: "${pair}" is not of the form key=value`);
    if (Object.hasOwn(labels, key))
      throw new ConfigError(`--labels / BATCH_NODE_LABELS: label "${key}" is given twice`);
    labels[key] = pair.slice(eq + 1).trim();
  }
  // The controller refuses a hello whose labels break these rules; say so here, at start.
  const checked = labelsSchema.safeParse(labels);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new ConfigError(
      `--labels / BATCH_NODE_LABELS: ${issue.path.map(String).join('.') || 'labels'}: ${issue.message}`,
    );
  }
  return labels;
}

function number(value: string | undefined, what: string, ok: (n: number) => boolean, rule: string): number | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !ok(n)) throw new ConfigError(`${what} must be ${rule}, got "${text}"`);
  return n;
}

const positiveNumber = (v: string | undefined, what: string) => number(v, what, (n) => n > 0, 'a positive number');
const nonNegativeNumber = (v: string | undefined, what: string) => number(v, what, (n) => n >= 0, 'a number >= 0');
const wholeNumber = (v: string | undefined, what: string) =>
  number(v, what, (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
const positiveWholeNumber = (v: string | undefined, what: string) =>
  number(v, what, (n) => Number.isSafeInteger(n) && n > 0, 'a whole number > 0');
