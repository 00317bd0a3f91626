/**
 * docs/job-spec.md cannot drift from the schema: every field path of `jobSpecSchema` (walked
 * through optionals, defaults, pipes, arrays and unions) has a row in one of its tables, every
 * row names a field the schema has, and every YAML example in it is a valid job spec (or, when
 * it has no `tasks`, a valid task template).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { checkJobSpec, parseOrThrow, templateSpecSchema, type TemplateSpec } from '../../protocol/spec.js';
import { jobSpecSchema } from '../../protocol/spec.js';

const DOC_PATH = fileURLToPath(new URL('../../../docs/job-spec.md', import.meta.url));
const doc = readFileSync(DOC_PATH, 'utf8');

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * The documented paths of a schema: `name`, `tasks[].resources.cpu`, `tasks[].dependsOn[].on`.
 * Records (env, labels, staged paths) are leaves: their keys are the user's.
 */
function fieldPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'prefault':
    case 'nonoptional':
      return fieldPaths(def.innerType!, prefix);
    case 'pipe':
      // A pipe's input is what the user writes (an object stays an object through refinements).
      return fieldPaths(def.in!, prefix);
    case 'array':
      // An array of scalars is one field (`retryOn`); an array of objects has fields of its own.
      return fieldPaths(def.element!, `${prefix}[]`).filter((p) => p !== `${prefix}[]`);
    case 'union':
      return [...new Set(def.options!.flatMap((option) => fieldPaths(option, prefix)))];
    case 'object': {
      const out: string[] = [];
      for (const [key, value] of Object.entries(def.shape!)) {
        const path = prefix === '' ? key : `${prefix}.${key}`;
        out.push(path, ...fieldPaths(value, path).filter((p) => p !== path));
      }
      return out;
    }
    default:
      return prefix === '' ? [] : [prefix];
  }
}

/** The first cell of every table row, when it is one code span: `| \`tasks[].name\` | …`. */
function documentedFields(markdown: string): Set<string> {
  const fields = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (m) fields.add(m[1]!);
  }
  return fields;
}

function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const re = /^```yaml\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length, text: m[1]! });
  }
  return blocks;
}

const paths = fieldPaths(jobSpecSchema);

t.test('the walk finds the schema fields, nested ones included', async (t) => {
  for (const expected of [
    'name',
    'priority',
    'tasks',
    'tasks[].name',
    'tasks[].resources.cpu',
    'tasks[].mounts[].target',
    'tasks[].dependsOn[].per',
    'tasks[].env',
  ]) {
    t.ok(paths.includes(expected), `${expected} is walked`);
  }
  t.notOk(
    paths.some((p) => p.startsWith('tasks[].env.')),
    'records are leaves',
  );
});

t.test('every field of the job spec has a row in docs/job-spec.md', async (t) => {
  const documented = documentedFields(doc);
  const missing = paths.filter((p) => !documented.has(p));
  t.same(missing, [], `fields without a table row in docs/job-spec.md: ${missing.join(', ')}`);
});

t.test('every field row in docs/job-spec.md names a field the schema has', async (t) => {
  const known = new Set(paths);
  const rows = [...documentedFields(doc)].filter((f) => !f.startsWith('BATCH_'));
  const stale = rows.filter((f) => !known.has(f));
  t.same(stale, [], `rows for fields the schema does not have: ${stale.join(', ')}`);
});

t.test('every YAML example in docs/job-spec.md is valid', async (t) => {
  const blocks = yamlBlocks(doc);
  t.ok(blocks.length >= 5, `the doc has examples (${blocks.length})`);
  const templates = new Map<string, TemplateSpec>();
  // Templates first, so that job examples naming them resolve as they would on a controller.
  const parsed = blocks.map((b) => ({ ...b, value: parseYaml(b.text) as Record<string, unknown> }));
  for (const block of parsed.filter((b) => !('tasks' in b.value))) {
    t.doesNotThrow(() => {
      const template = parseOrThrow(templateSpecSchema, block.value);
      templates.set(template.name, template);
    }, `template example at line ${block.line}`);
  }
  for (const block of parsed.filter((b) => 'tasks' in b.value)) {
    t.doesNotThrow(() => checkJobSpec(block.value, templates), `job example at line ${block.line}`);
  }
});
