/**
 * The builder's canvas as data: tasks (boxes) and dependencies (edges), and the job spec they make —
 * exactly what the JSON preview shows and the submit posts — or the canvas an imported spec makes.
 */
import type { Edge, Node } from '@xyflow/react';
import type { JobSpecInput } from '../../../sdk/index.js';
import type { Condition } from '../components/edge-label.js';
import { DraftError, draftFromSpec, specFromDraft, type TaskDraft } from '../task-draft.js';
import { layoutDag } from '../dag-layout.js';

export interface TaskData extends Record<string, unknown> {
  name: string;
  template?: string;
  /** Fields set for this job; empty ones come from the template. */
  overrides: TaskDraft;
  /** The first problem the API found with this task, shown on its box. */
  problem?: string;
}
export type TaskNode = Node<TaskData, 'task'>;
export type DependencyEdge = Edge<Condition & Record<string, unknown>>;

export const DEFAULT_CONDITION: Condition = { on: 'success', per: 'task' };

/** A name not yet on the canvas: the template's, then `-2`, `-3`… */
export function uniqueName(wanted: string, taken: readonly string[]): string {
  if (!taken.includes(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.includes(`${wanted}-${i}`)) return `${wanted}-${i}`;
}

export function buildSpec(
  jobName: string,
  priority: string,
  nodes: readonly TaskNode[],
  edges: readonly DependencyEdge[],
): JobSpecInput {
  const byId = new Map(nodes.map((n) => [n.id, n.data.name]));
  const tasks = nodes.map((node) => {
    const task: JobSpecInput['tasks'][number] = { name: node.data.name };
    if (node.data.template) task.template = node.data.template;
    Object.assign(task, specFromDraft(node.data.overrides));
    const dependsOn = edges
      .filter((e) => e.target === node.id && byId.has(e.source))
      .map((e) => {
        const task = byId.get(e.source)!;
        const { on, per } = e.data ?? DEFAULT_CONDITION;
        // The short form for the common case, as the examples write it.
        return on === 'success' && per === 'task' ? task : { task, on, per };
      });
    if (dependsOn.length > 0) task.dependsOn = dependsOn;
    return task;
  });
  const spec: JobSpecInput = { name: jobName, tasks };
  if (priority.trim() !== '') {
    if (!Number.isFinite(Number(priority))) throw new DraftError('priority', 'number');
    spec.priority = Number(priority);
  }
  return spec;
}

/** The canvas for a spec read from a file: boxes laid out in dependency order. */
export function canvasFromSpec(spec: unknown): {
  jobName: string;
  priority: string;
  nodes: TaskNode[];
  edges: DependencyEdge[];
} {
  if (spec === null || typeof spec !== 'object' || !Array.isArray((spec as { tasks?: unknown }).tasks)) {
    throw new TypeError('tasks');
  }
  const { name, priority, tasks } = spec as { name?: unknown; priority?: unknown; tasks: unknown[] };
  const parsed = tasks.map((raw, i) => {
    const { name: taskName, template, dependsOn, ...body } = (raw ?? {}) as Record<string, unknown>;
    return {
      id: `t${i + 1}`,
      name: typeof taskName === 'string' ? taskName : `task-${i + 1}`,
      template: typeof template === 'string' ? template : undefined,
      dependsOn: Array.isArray(dependsOn) ? dependsOn : [],
      body,
    };
  });
  const idOf = new Map(parsed.map((p) => [p.name, p.id]));
  const edges: DependencyEdge[] = parsed.flatMap((p) =>
    p.dependsOn.flatMap((dep: unknown) => {
      const full =
        typeof dep === 'string' ? { task: dep, ...DEFAULT_CONDITION } : { ...DEFAULT_CONDITION, ...(dep as object) };
      const { task, on, per } = full as { task: string } & Condition;
      const source = idOf.get(task);
      return source ? [edgeBetween(source, p.id, { on, per })] : [];
    }),
  );
  const positions = layoutDag(
    parsed.map((p) => p.id),
    edges.map((e) => ({ from: e.source, to: e.target })),
  );
  const nodes: TaskNode[] = parsed.map((p) => {
    const data: TaskData = { name: p.name, overrides: draftFromSpec(p.body) };
    if (p.template) data.template = p.template;
    return { id: p.id, type: 'task', position: positions.get(p.id)!, data };
  });
  return {
    jobName: typeof name === 'string' ? name : '',
    priority: typeof priority === 'number' ? String(priority) : '',
    nodes,
    edges,
  };
}

export function edgeBetween(source: string, target: string, condition: Condition = DEFAULT_CONDITION): DependencyEdge {
  return { id: `${source}->${target}`, source, target, data: { ...condition } };
}

/**
 * Whether an edge source → target would close a cycle: target already leads to source. The
 * builder refuses such an edge when it is drawn; the server checks again on submit.
 */
export function makesCycle(edges: readonly DependencyEdge[], source: string, target: string): boolean {
  if (source === target) return true;
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (at === source) return true;
    if (seen.has(at)) continue;
    seen.add(at);
    for (const e of edges) if (e.source === at) stack.push(e.target);
  }
  return false;
}
