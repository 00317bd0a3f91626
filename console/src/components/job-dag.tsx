/**
 * A job's DAG: one box per task, coloured by its state, with its instance counts; edges say their
 * condition. Read-only; clicking a task opens its instances. Each task's name is a link, so the
 * keyboard reaches every task with Tab and opens it with Enter (xyflow's own node focus only
 * selects, and selection is off here).
 */
import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useMemo } from 'react';
import type { Job } from '../../../sdk/index.js';
import { layoutDag } from '../dag-layout.js';
import { useT } from '../i18n/i18n.js';
import { useFlowLabels } from './flow-labels.js';
import { Link, pathOf, useRouter } from '../router.js';
import { edgeLabel, type Condition } from './edge-label.js';

export function JobDag({ job }: { job: Job }) {
  const t = useT();
  const flowLabels = useFlowLabels();
  const { navigate } = useRouter();
  // The layout depends only on the DAG's shape, which is immutable after submit.
  const shape = job.tasks.map((task) => `${task.name}<${task.dependsOn.map((d) => d.task).join(',')}`).join(';');
  const positions = useMemo(
    () =>
      layoutDag(
        job.tasks.map((task) => task.name),
        job.tasks.flatMap((task) => task.dependsOn.map((d) => ({ from: d.task, to: task.name }))),
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed when the shape changes, not at every poll
    [shape],
  );
  const nodes: Node[] = job.tasks.map((task) => ({
    id: task.name,
    position: positions.get(task.name) ?? { x: 0, y: 0 },
    className: `dag-node st-${task.state}`,
    // Dependencies flow left to right, as dagre lays them out.
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
    draggable: false,
    connectable: false,
    // The link inside is the tab stop; a focusable box around it would be a second, silent one.
    focusable: false,
    ariaLabel: t('dag.taskLabel', { name: task.name, state: t(`state.${task.state}`) }),
    data: {
      label: (
        <div>
          <Link to={pathOf('jobs', job.id, 'tasks', task.name)} className="dag-task-link">
            <strong>{task.name}</strong>
          </Link>
          <div>{t(`state.${task.state}`)}</div>
          <div className="dag-counts">
            {t('dag.counts', {
              done: task.counts.SUCCEEDED ?? 0,
              total: task.instances,
              running: task.counts.RUNNING ?? 0,
              failed: task.counts.FAILED ?? 0,
            })}
          </div>
        </div>
      ),
    },
  }));
  const edges: Edge[] = job.tasks.flatMap((task) =>
    task.dependsOn.map((dep) => ({
      id: `${dep.task}->${task.name}`,
      source: dep.task,
      target: task.name,
      label: edgeLabel(dep as Condition, t),
      animated: task.state === 'RUNNING',
    })),
  );
  return (
    <div className="dag" data-testid="job-dag">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={flowLabels}
        onNodeClick={(event, node) => {
          // A click on the name's link has navigated already.
          if (event.target instanceof Element && event.target.closest('a')) return;
          navigate(pathOf('jobs', job.id, 'tasks', node.id));
        }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
