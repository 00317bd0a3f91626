/**
 * The task fields (SPEC §2) as a form edits them — every field a string, empty meaning "not set"
 * — and the conversions to and from the spec the API takes. Shared by the template form and the
 * builder's per-task overrides (where "not set" means "as the template says").
 */
import type { TemplateSpec } from '../../sdk/index.js';

export const DRAFT_FIELDS = [
  'command',
  'instances',
  'computeEnvironment',
  'cpu',
  'memoryMiB',
  'gpu',
  'env',
  'nodeSelector',
  'timeoutSeconds',
  'retries',
  'retryOn',
  'package',
  'stdout',
  'stderr',
  'inputs',
  'outputs',
  'uploadOn',
  'mounts',
] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];
export type TaskDraft = Record<DraftField, string>;

/** The task body: a template spec without its name and description. */
export type TaskBody = Omit<TemplateSpec, 'name' | 'description'>;

export const EMPTY_DRAFT: TaskDraft = Object.fromEntries(DRAFT_FIELDS.map((f) => [f, ''])) as TaskDraft;

const NUMBER_FIELDS = ['instances', 'timeoutSeconds', 'retries'] as const;
const MAP_FIELDS = ['env', 'nodeSelector', 'inputs', 'outputs'] as const;
const TEXT_FIELDS = ['command', 'package', 'stdout', 'stderr'] as const;

/** A form value the console itself cannot turn into JSON (the server never sees it). */
export class DraftError extends Error {
  constructor(
    /** A task field, or the job's priority. */
    readonly field: DraftField | 'priority',
    readonly problem: DraftProblem,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** `KEY=value` lines ↔ a map. */
function linesToMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at < 0) map[line.trim()] = '';
    else map[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return map;
}

function mapToLines(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

const NUMERIC_FIELDS = [...NUMBER_FIELDS, 'cpu', 'memoryMiB', 'gpu'] as const;

/** What is wrong with a form value before it is sent: not a number, or not JSON. */
export type DraftProblem = 'number' | 'JSON';

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The fields the console itself cannot turn into the spec: numbers that are not numbers (posted,
 * they would be strings the server refuses without saying what was typed), JSON that is not JSON.
 */
export function draftProblems(draft: TaskDraft): Partial<Record<DraftField, DraftProblem>> {
  const problems: Partial<Record<DraftField, DraftProblem>> = {};
  for (const f of NUMERIC_FIELDS) {
    if (draft[f].trim() !== '' && !Number.isFinite(Number(draft[f]))) problems[f] = 'number';
  }
  const environment = draft.computeEnvironment.trim();
  if (environment.startsWith('{') && !isJson(environment)) problems.computeEnvironment = 'JSON';
  if (draft.mounts.trim() !== '' && !isJson(draft.mounts)) problems.mounts = 'JSON';
  return problems;
}

export function draftFromSpec(spec: Partial<TaskBody>): TaskDraft {
  const draft = { ...EMPTY_DRAFT };
  for (const f of TEXT_FIELDS) draft[f] = spec[f] ?? '';
  for (const f of NUMBER_FIELDS) draft[f] = spec[f] === undefined ? '' : String(spec[f]);
  for (const f of MAP_FIELDS) draft[f] = mapToLines(spec[f]);
  // An environment's name, or an inline auto environment (`{ "auto": { … } }`) as JSON.
  const environment = spec.computeEnvironment;
  draft.computeEnvironment = typeof environment === 'object' ? JSON.stringify(environment) : (environment ?? '');
  draft.cpu = spec.resources?.cpu === undefined ? '' : String(spec.resources.cpu);
  draft.memoryMiB = spec.resources?.memoryMiB === undefined ? '' : String(spec.resources.memoryMiB);
  draft.gpu = spec.resources?.gpu === undefined ? '' : String(spec.resources.gpu);
  draft.retryOn = (spec.retryOn ?? []).join(', ');
  draft.uploadOn = spec.uploadOn ?? '';
  draft.mounts = spec.mounts && spec.mounts.length > 0 ? JSON.stringify(spec.mounts, null, 2) : '';
  return draft;
}

/** Only the fields that are set, in the spec's own shape. */
export function specFromDraft(draft: TaskDraft): TaskBody {
  const [problem] = Object.entries(draftProblems(draft));
  if (problem) throw new DraftError(problem[0] as DraftField, problem[1]);
  const spec: Record<string, unknown> = {};
  for (const f of TEXT_FIELDS) if (draft[f].trim() !== '') spec[f] = draft[f];
  for (const f of NUMBER_FIELDS) if (draft[f].trim() !== '') spec[f] = Number(draft[f]);
  for (const f of MAP_FIELDS) if (draft[f].trim() !== '') spec[f] = linesToMap(draft[f]);
  const resources: Record<string, unknown> = {};
  for (const f of ['cpu', 'memoryMiB', 'gpu'] as const) if (draft[f].trim() !== '') resources[f] = Number(draft[f]);
  if (Object.keys(resources).length > 0) spec.resources = resources;
  if (draft.retryOn.trim() !== '') {
    spec.retryOn = draft.retryOn
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
  }
  const environment = draft.computeEnvironment.trim();
  if (environment.startsWith('{')) spec.computeEnvironment = JSON.parse(environment) as unknown;
  else if (environment !== '') spec.computeEnvironment = draft.computeEnvironment;
  if (draft.uploadOn !== '') spec.uploadOn = draft.uploadOn;
  if (draft.mounts.trim() !== '') spec.mounts = JSON.parse(draft.mounts) as unknown;
  return spec;
}

/**
 * The form field an API error names: `tasks[2].resources.cpu` → `cpu`, `env.FOO` → `env`,
 * `inputs["oss://b/x"]` → `inputs`. Undefined when it names no task field.
 */
export function draftFieldOf(path: string): DraftField | undefined {
  const rest = path.replace(/^tasks\[\d+\]\.?/, '');
  const resource = /^resources\.(cpu|memoryMiB|gpu)/.exec(rest);
  if (resource) return resource[1] as DraftField;
  const head = /^[A-Za-z]+/.exec(rest)?.[0];
  return DRAFT_FIELDS.find((f) => f === head);
}
