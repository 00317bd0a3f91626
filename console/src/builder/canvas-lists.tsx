/**
 * The canvas's tasks and dependencies as lists with Edit buttons: what a keyboard or a screen
 * reader uses instead of double-clicking a box or clicking an edge.
 */
import { edgeLabel } from '../components/edge-label.js';
import { useT } from '../i18n/i18n.js';
import { DEFAULT_CONDITION, type DependencyEdge, type TaskNode } from './model.js';

export function CanvasLists({
  nodes,
  edges,
  onEditTask,
  onEditEdge,
}: {
  nodes: readonly TaskNode[];
  edges: readonly DependencyEdge[];
  onEditTask: (id: string) => void;
  onEditEdge: (id: string) => void;
}) {
  const t = useT();
  const nameOf = (id: string) => nodes.find((n) => n.id === id)?.data.name ?? id;
  return (
    <>
      <h2>{t('builder.tasks')}</h2>
      <ul className="task-list">
        {nodes.map((node) => (
          <li key={node.id}>
            <span>{node.data.name}</span>
            <button
              type="button"
              aria-label={t('builder.editTask', { name: node.data.name })}
              onClick={() => {
                onEditTask(node.id);
              }}
            >
              {t('action.edit')}
            </button>
          </li>
        ))}
      </ul>
      <h2>{t('builder.dependencies')}</h2>
      <ul className="task-list">
        {edges.map((edge) => (
          <li key={edge.id}>
            <span>
              {nameOf(edge.source)} → {nameOf(edge.target)} ({edgeLabel(edge.data ?? DEFAULT_CONDITION, t)})
            </span>
            <button
              type="button"
              // The visible "Edit" is part of the name, as WCAG's label-in-name asks.
              aria-label={t('builder.editDependencyButton', { from: nameOf(edge.source), to: nameOf(edge.target) })}
              onClick={() => {
                onEditEdge(edge.id);
              }}
            >
              {t('action.edit')}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
