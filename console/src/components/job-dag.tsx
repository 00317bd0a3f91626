/**
 * A job's DAG: one box per task, coloured by its state, with its instance counts; edges say their
 * condition. Read-only; clicking a task opens its instances.
 */
import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useMemo } from 'react';
import type { Job } from '../../../sdk/index.js';
import { layoutDag } from '../dag-layout.js';
import { useT } from '../i18n/i18n.js';
import { useFlowLabels } from './flow-labels.js';
import { pathOf, useRouter } from '../router.js';
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
    ariaLabel: t('dag.taskLabel', { name: task.name, state: t(`state.${task.state}`) }),
    data: {
      label: (
        <div>
          <strong>{task.name}</strong>
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
        onNodeClick={(_event, node) => {
          navigate(pathOf('jobs', job.id, 'tasks', node.id));
        }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
