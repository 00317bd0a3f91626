/**
 * The job spec of SPEC §2: one zod schema per shape, used for validation at the API boundary,
 * for the TypeScript types, and for the OpenAPI document. `checkJobSpec` adds the rules a schema
 * cannot express (DAG shape, reserved env names) and names the field of every problem.
 */
import { z } from 'zod';
import { BatchError, formatPath } from './errors.js';
import {
  labelsSchema,
  MAX_ENV_VALUE_LENGTH,
  MAX_ENV_VARS,
  MAX_MOUNTS,
  MAX_PATH_LENGTH,
  MAX_STAGED_PATHS,
  shortText,
} from './limits.js';
import { mountTargetProblem } from './mount-target.js';
import { autoEnvironmentSpecSchema, type AutoEnvironmentSpec } from './node-template.js';
import type { FAILURE_REASONS } from './states.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const OSS_URL = /^oss:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.{0,1024}$/u;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RETRY_RULE = /^(TIMEOUT|EXIT_CODE|exit:\d{1,3}(-\d{1,3})?)$/;

export const nameSchema = z
  .string()
  .regex(NAME, 'must be 1-63 characters of letters, digits, "_", "." or "-", starting with a letter or digit');
export const ossUrlSchema = shortText(1100).pipe(z.string().regex(OSS_URL, 'must be an oss://bucket/key URL'));

/** The smallest cpu share a task may ask for; the scheduler bounds its work per pass with it. */
export const MIN_TASK_CPU = 0.01;

export const resourcesSchema = z
  .strictObject({
    cpu: z.number().min(MIN_TASK_CPU, `must be at least ${MIN_TASK_CPU}`).max(1024).optional(),
    memoryMiB: z
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024)
      .optional(),
    gpu: z.number().int().min(0).max(64).optional(),
  })
  .describe('Per-instance resources; placement respects node capacity.')
  .meta({ id: 'Resources' });

export const mountSchema = z
  .strictObject({
    type: z.enum(['cfs', 'oss', 'disk']),
    source: shortText(MAX_PATH_LENGTH).pipe(z.string().min(1, 'must not be empty')),
    target: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_PATH_LENGTH)
      .superRefine((target, ctx) => {
        const problem = mountTargetProblem(target);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    readOnly: z.boolean().optional(),
    options: shortText(1024).optional(),
    fsType: shortText(32).optional(),
    formatIfEmpty: z.boolean().optional(),
  })
  .meta({ id: 'Mount' });

export const dependencySchema = z.union(
  [
    nameSchema,
    z.strictObject({
      task: nameSchema,
      on: z.enum(['success', 'failure', 'any']).default('success'),
      per: z.enum(['task', 'instance']).default('task'),
    }),
  ],
  { error: 'must be a task name or { task, on: success|failure|any, per: task|instance }' },
);

/** `exit:N-M` must not be an empty range. */
const retryRuleSchema = z
  .string()
  .regex(RETRY_RULE, 'must be TIMEOUT, EXIT_CODE, exit:N or exit:N-M')
  .refine((rule) => {
    const m = /^exit:(\d+)-(\d+)$/.exec(rule);
    return !m || Number(m[1]) <= Number(m[2]);
  }, 'exit:N-M needs N <= M');

/** `inputs` or `outputs`: at most MAX_STAGED_PATHS entries. */
function stagedMap<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) {
  return z
    .record(key, value)
    .refine((m) => Object.keys(m).length <= MAX_STAGED_PATHS, `must have at most ${MAX_STAGED_PATHS} entries`);
}

/** Fields a task and a template share: everything about what to run and where. */
const taskBodyShape = {
  command: z
    .string()
    .max(64 * 1024)
    .optional(),
  package: ossUrlSchema.optional(),
  instances: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  /** An environment's name, or `{ auto: { … } }`: the owner's auto environment of that node template. */
  computeEnvironment: z
    .union([nameSchema, z.strictObject({ auto: autoEnvironmentSpecSchema })], {
      error: 'must be an environment name, or { auto: { cpu, memoryMiB, gpu, labels, maxNodes, idleTimeoutSeconds } }',
    })
    .optional(),
  resources: resourcesSchema.optional(),
  nodeSelector: labelsSchema.optional(),
  env: z
    .record(
      z.string().max(256).regex(ENV_KEY, 'must be a valid environment variable name'),
      z.string().max(MAX_ENV_VALUE_LENGTH, `values must be at most ${MAX_ENV_VALUE_LENGTH} characters`),
    )
    .refine((env) => Object.keys(env).length <= MAX_ENV_VARS, `must have at most ${MAX_ENV_VARS} variables`)
    .optional(),
  timeoutSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .optional(),
  retries: z.number().int().min(0).max(100).optional(),
  retryOn: z.array(retryRuleSchema).optional(),
  stdout: ossUrlSchema.optional(),
  stderr: ossUrlSchema.optional(),
  inputs: stagedMap(ossUrlSchema, z.string().min(1).max(MAX_PATH_LENGTH)).optional(),
  outputs: stagedMap(z.string().min(1).max(MAX_PATH_LENGTH), ossUrlSchema).optional(),
  uploadOn: z.enum(['success', 'failure', 'always']).optional(),
  mounts: z.array(mountSchema).max(MAX_MOUNTS, `must list at most ${MAX_MOUNTS} mounts`).optional(),
};

export const taskSpecSchema = z
  .strictObject({
    name: nameSchema,
    template: nameSchema.optional(),
    dependsOn: z.array(dependencySchema).optional(),
    ...taskBodyShape,
  })
  .meta({ id: 'TaskSpec' });

export const jobSpecSchema = z
  .strictObject({
    name: shortText(128).pipe(z.string().min(1, 'must not be empty')),
    priority: z.number().int('must be a whole number').min(-1_000_000).max(1_000_000).default(0),
    clientToken: shortText(128).pipe(z.string().min(1, 'must not be empty')).optional(),
    description: z.string().max(4096).optional(),
    tasks: z.array(taskSpecSchema).min(1, 'must list at least one task'),
  })
  .meta({ id: 'JobSpec' });

export const templateSpecSchema = z
  .strictObject({
    name: nameSchema,
    description: z.string().max(4096).optional(),
    ...taskBodyShape,
  })
  .meta({ id: 'TemplateSpec' });

export type TaskSpec = z.infer<typeof taskSpecSchema>;
export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type TemplateSpec = z.infer<typeof templateSpecSchema>;
export type Dependency = z.infer<typeof dependencySchema>;
export type MountSpec = z.infer<typeof mountSchema>;

/** A dependency in its full form, whatever form the user wrote. */
export interface ResolvedDependency {
  task: string;
  on: 'success' | 'failure' | 'any';
  per: 'task' | 'instance';
}

/** A task after template resolution and defaults: what the controller stores and schedules. */
export interface ResolvedTask {
  name: string;
  template?: string;
  command: string;
  package?: string;
  instances: number;
  computeEnvironment?: string | { auto: AutoEnvironmentSpec };
  resources: { cpu: number; memoryMiB: number; gpu: number };
  nodeSelector: Record<string, string>;
  env: Record<string, string>;
  timeoutSeconds: number;
  retries: number;
  retryOn?: string[];
  stdout?: string;
  stderr?: string;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  uploadOn: 'success' | 'failure' | 'always';
  mounts: MountSpec[];
  dependsOn: ResolvedDependency[];
}

export const DEFAULT_RESOURCES = { cpu: 1, memoryMiB: 0, gpu: 0 } as const;

/** Parses with a schema and turns every zod issue into a field-named BatchError. */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    // An unknown field is named itself, so `tasks[0].comand` points at what to fix.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    return { field: formatPath([...prefix, ...path]) || '(body)', message: describeIssue(issue) };
  });
  const first = details[0]!;
  throw new BatchError('VALIDATION', `${first.field}: ${first.message}`, first.field, details);
}

/** zod's own messages start like this; ours (set in the schemas) say the rule in words. */
const GENERIC = /^Invalid (input|key)/;

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    // a schema may say which fields there are (quotas do); zod's own text only repeats the key
    if (!issue.message.startsWith('Unrecognized key')) return issue.message;
    return issue.keys.length === 1 ? 'unknown field' : `unknown fields ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return inner ? `key: ${describeIssue(inner)}` : 'has an invalid key';
  }
  if (issue.code === 'invalid_type' && GENERIC.test(issue.message)) {
    // zod 4 does not keep the input unless asked; its message says what it received.
    const received = /received (\w+)/.exec(issue.message)?.[1];
    return received === 'undefined'
      ? `is required (${issue.expected})`
      : `must be ${article(issue.expected)}${received ? ` (got ${received})` : ''}`;
  }
  if ((issue.code === 'too_big' || issue.code === 'too_small') && /^Too (big|small)/.test(issue.message)) {
    return sizeRule(issue);
  }
  return issue.message;
}

/** zod's "Too big: expected string to have <=65536 characters", in the words of our other rules. */
function sizeRule(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const big = issue.code === 'too_big';
  const limit = big ? issue.maximum : issue.minimum;
  const bound = big ? 'at most' : 'at least';
  const exact = issue.inclusive === false ? (big ? 'less than' : 'more than') : bound;
  if (issue.origin === 'string') return `must be ${exact} ${String(limit)} characters`;
  if (issue.origin === 'array' || issue.origin === 'set') return `must have ${exact} ${String(limit)} items`;
  return `must be ${exact} ${String(limit)}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export function normalizeDependency(dep: Dependency): ResolvedDependency {
  return typeof dep === 'string'
    ? { task: dep, on: 'success', per: 'task' }
    : { task: dep.task, on: dep.on, per: dep.per };
}

const MERGED_MAPS = ['env', 'resources', 'nodeSelector', 'inputs', 'outputs'] as const;

/** Merges a template under a task: the task's fields win, maps are merged key by key. */
export function applyTemplate(task: TaskSpec, template: TemplateSpec | undefined): TaskSpec {
  if (!template) return task;
  const { name: _templateName, description: _description, ...body } = template;
  const merged: TaskSpec = { ...body, ...stripUndefined(task) };
  for (const key of MERGED_MAPS) {
    if (template[key] || task[key]) (merged as Record<string, unknown>)[key] = { ...template[key], ...task[key] };
  }
  return merged;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A `/`-separated path that stays inside the directory it is relative to. */
export function isRelativePath(path: string): boolean {
  const normal = path.replace(/\\/g, '/');
  return !normal.startsWith('/') && !/^[A-Za-z]:/.test(normal) && !normal.split('/').some((s) => s === '..');
}

/** `./output//a/` → `output/a/`: the one spelling agents and the controller compare paths in. */
export function normalizeRelative(path: string): string {
  const trailing = /[\\/]$/.test(path);
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  return parts.join('/') + (trailing && parts.length > 0 ? '/' : '');
}

/** Fills defaults and checks what a task needs once its template is merged in. */
export function resolveTask(task: TaskSpec, index: number): ResolvedTask {
  const at = (field: string) => `tasks[${index}].${field}`;
  if (task.command === undefined || task.command.trim() === '') {
    const why = task.template ? ` (neither the task nor template "${task.template}" sets it)` : '';
    throw new BatchError('VALIDATION', `${at('command')}: must not be empty${why}`, at('command'));
  }
  for (const [source, target] of Object.entries(task.inputs ?? {})) {
    const field = at(`inputs["${source}"]`);
    if (!isRelativePath(target))
      throw new BatchError('VALIDATION', `${field}: "${target}" must be a relative path inside the work dir`, field);
    if (source.endsWith('/') && !target.endsWith('/')) {
      throw new BatchError(
        'VALIDATION',
        `${field}: a prefix (ending in "/") must be staged into a directory (a target ending in "/")`,
        field,
      );
    }
  }
  for (const path of Object.keys(task.outputs ?? {})) {
    const field = at(`outputs["${path}"]`);
    if (!isRelativePath(path))
      throw new BatchError('VALIDATION', `${field}: "${path}" must be a relative path inside the work dir`, field);
    if (path.endsWith('/') && !task.outputs![path]!.endsWith('/')) {
      throw new BatchError(
        'VALIDATION',
        `${field}: a directory (ending in "/") must go to a prefix (ending in "/")`,
        field,
      );
    }
  }
  for (const key of Object.keys(task.env ?? {})) {
    if (key.startsWith('BATCH_')) {
      throw new BatchError('VALIDATION', `${at(`env.${key}`)}: the prefix BATCH_ is reserved`, at(`env.${key}`));
    }
  }
  const inputs = Object.fromEntries(
    Object.entries(task.inputs ?? {}).map(([source, target]) => [source, normalizeRelative(target)]),
  );
  const outputs = Object.fromEntries(
    Object.entries(task.outputs ?? {}).map(([path, destination]) => [normalizeRelative(path), destination]),
  );
  const resolved: ResolvedTask = {
    name: task.name,
    command: task.command,
    instances: task.instances ?? 1,
    resources: { ...DEFAULT_RESOURCES, ...task.resources },
    nodeSelector: task.nodeSelector ?? {},
    env: task.env ?? {},
    timeoutSeconds: task.timeoutSeconds ?? 0,
    retries: task.retries ?? 0,
    inputs,
    outputs,
    uploadOn: task.uploadOn ?? 'success',
    mounts: task.mounts ?? [],
    dependsOn: (task.dependsOn ?? []).map(normalizeDependency),
  };
  for (const key of ['template', 'package', 'computeEnvironment', 'retryOn', 'stdout', 'stderr'] as const) {
    if (task[key] !== undefined) (resolved as unknown as Record<string, unknown>)[key] = task[key];
  }
  return resolved;
}

/**
 * The DAG rules: unique names, known dependencies, no self-dependency, no cycle, equal instance
 * counts for `per: instance`. Returns the tasks in a topological order (stable by spec order).
 */
export function checkDag(tasks: readonly ResolvedTask[]): ResolvedTask[] {
  const byName = new Map<string, number>();
  tasks.forEach((task, i) => {
    if (byName.has(task.name)) {
      throw new BatchError('VALIDATION', `tasks[${i}].name: duplicate task name "${task.name}"`, `tasks[${i}].name`);
    }
    byName.set(task.name, i);
  });
  tasks.forEach((task, i) => {
    const seen = new Set<string>();
    task.dependsOn.forEach((dep, j) => {
      const field = `tasks[${i}].dependsOn[${j}]`;
      const upstream = byName.get(dep.task);
      if (upstream === undefined) throw new BatchError('VALIDATION', `${field}: unknown task "${dep.task}"`, field);
      if (dep.task === task.name) throw new BatchError('VALIDATION', `${field}: a task cannot depend on itself`, field);
      if (seen.has(dep.task)) throw new BatchError('VALIDATION', `${field}: "${dep.task}" is listed twice`, field);
      seen.add(dep.task);
      const up = tasks[upstream]!;
      if (dep.per === 'instance' && up.instances !== task.instances) {
        throw new BatchError(
          'VALIDATION',
          `${field}: per: instance needs equal instance counts ("${dep.task}" has ${up.instances}, "${task.name}" has ${task.instances})`,
          field,
        );
      }
    });
  });
  // Kahn's algorithm, picking the earliest spec position first so the order is stable.
  const indegree = tasks.map((t) => t.dependsOn.length);
  const order: ResolvedTask[] = [];
  const done = new Set<string>();
  while (order.length < tasks.length) {
    const next = tasks.findIndex((t, i) => !done.has(t.name) && indegree[i] === 0);
    if (next < 0) {
      const cycle = findCycle(tasks.filter((t) => !done.has(t.name)));
      const i = Math.min(...cycle.map((n) => byName.get(n)!));
      const path = [...cycle, cycle[0]!].map((n) => `"${n}"`).join(' → ');
      throw new BatchError('VALIDATION', `tasks[${i}].dependsOn: dependency cycle ${path}`, `tasks[${i}].dependsOn`);
    }
    const task = tasks[next]!;
    done.add(task.name);
    order.push(task);
    tasks.forEach((t, i) => {
      if (t.dependsOn.some((d) => d.task === task.name)) indegree[i]! -= 1;
    });
  }
  return order;
}

/**
 * A cycle among tasks that could not be ordered (every one of them waits on another of them, but
 * some only wait on the cycle without being in it): follow dependencies until a task repeats.
 */
function findCycle(stuck: readonly ResolvedTask[]): string[] {
  const byName = new Map(stuck.map((t) => [t.name, t]));
  const path: string[] = [];
  let current = stuck[0]!;
  while (!path.includes(current.name)) {
    path.push(current.name);
    current = byName.get(current.dependsOn.find((d) => byName.has(d.task))!.task)!;
  }
  return path.slice(path.indexOf(current.name));
}

/** Every rule a job spec must pass that needs no database: schema, templates merged, DAG. */
export function checkJobSpec(
  input: unknown,
  templates: ReadonlyMap<string, TemplateSpec> = new Map(),
): {
  spec: JobSpec;
  tasks: ResolvedTask[];
} {
  const spec = parseOrThrow(jobSpecSchema, input);
  const resolved = spec.tasks.map((task, i) => {
    let template: TemplateSpec | undefined;
    if (task.template !== undefined) {
      template = templates.get(task.template);
      if (!template) {
        throw new BatchError(
          'VALIDATION',
          `tasks[${i}].template: unknown template "${task.template}"`,
          `tasks[${i}].template`,
        );
      }
    }
    return resolveTask(applyTemplate(task, template), i);
  });
  return { spec, tasks: checkDag(resolved) };
}

/** A parsed `retryOn` rule. */
export type RetryRule =
  { kind: 'reason'; reason: (typeof FAILURE_REASONS)[number] } | { kind: 'exit'; from: number; to: number };

export function parseRetryRule(rule: string): RetryRule {
  if (rule === 'TIMEOUT' || rule === 'EXIT_CODE') return { kind: 'reason', reason: rule };
  const m = /^exit:(\d+)(?:-(\d+))?$/.exec(rule);
  if (!m) throw new BatchError('VALIDATION', `retryOn: unknown rule "${rule}"`, 'retryOn');
  const from = Number(m[1]);
  return { kind: 'exit', from, to: m[2] === undefined ? from : Number(m[2]) };
}
