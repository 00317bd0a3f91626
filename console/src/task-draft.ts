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
    readonly field: DraftField,
    message: string,
  ) {
    super(message);
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

/** A number as typed; not a number stays a string, so the server names the field and the rule. */
function toNumber(text: string): number | string {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
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
  const spec: Record<string, unknown> = {};
  for (const f of TEXT_FIELDS) if (draft[f].trim() !== '') spec[f] = draft[f];
  for (const f of NUMBER_FIELDS) if (draft[f].trim() !== '') spec[f] = toNumber(draft[f]);
  for (const f of MAP_FIELDS) if (draft[f].trim() !== '') spec[f] = linesToMap(draft[f]);
  const resources: Record<string, unknown> = {};
  for (const f of ['cpu', 'memoryMiB', 'gpu'] as const) if (draft[f].trim() !== '') resources[f] = toNumber(draft[f]);
  if (Object.keys(resources).length > 0) spec.resources = resources;
  if (draft.retryOn.trim() !== '') {
    spec.retryOn = draft.retryOn
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
  }
  const environment = draft.computeEnvironment.trim();
  if (environment.startsWith('{')) {
    try {
      spec.computeEnvironment = JSON.parse(environment) as unknown;
    } catch {
      throw new DraftError('computeEnvironment', 'JSON');
    }
  } else if (environment !== '') spec.computeEnvironment = draft.computeEnvironment;
  if (draft.uploadOn !== '') spec.uploadOn = draft.uploadOn;
  if (draft.mounts.trim() !== '') {
    try {
      spec.mounts = JSON.parse(draft.mounts) as unknown;
    } catch {
      throw new DraftError('mounts', 'JSON');
    }
  }
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
