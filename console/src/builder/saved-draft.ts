/**
 * The job being built, kept in sessionStorage (per tab, like the token) so that leaving the
 * builder and coming Back, or reloading, finds it as it was. Cleared by "New job", by a
 * successful submit and by signing out.
 */
import type { DependencyEdge, TaskNode } from './model.js';

export const DRAFT_KEY = 'batch.builder.draft';

export interface SavedDraft {
  jobName: string;
  priority: string;
  nodes: TaskNode[];
  edges: DependencyEdge[];
}

export const EMPTY_JOB: SavedDraft = { jobName: '', priority: '', nodes: [], edges: [] };

export function loadDraft(): SavedDraft {
  try {
    const saved = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? 'null') as Partial<SavedDraft> | null;
    if (!saved || !Array.isArray(saved.nodes) || !Array.isArray(saved.edges)) return EMPTY_JOB;
    return {
      jobName: typeof saved.jobName === 'string' ? saved.jobName : '',
      priority: typeof saved.priority === 'string' ? saved.priority : '',
      nodes: saved.nodes,
      edges: saved.edges,
    };
  } catch {
    // Not JSON (written by hand, or by an older console): start empty rather than fail the page.
    return EMPTY_JOB;
  }
}

/** What makes the job: a box's place and data (not its selection or the API's last problem). */
export function saveDraft({ jobName, priority, nodes, edges }: SavedDraft): void {
  const kept = {
    jobName,
    priority,
    nodes: nodes.map(({ id, type, position, data: { problem: _problem, ...data } }) => ({ id, type, position, data })),
    edges: edges.map(({ id, source, target, data }) => ({ id, source, target, data })),
  };
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify(kept));
}

export function clearDraft(): void {
  sessionStorage.removeItem(DRAFT_KEY);
}

/** The next free `tN` id for a box. */
export function nextTaskNumber(nodes: readonly TaskNode[]): number {
  return Math.max(0, ...nodes.map((n) => Number(/^t(\d+)$/.exec(n.id)?.[1] ?? 0))) + 1;
}
