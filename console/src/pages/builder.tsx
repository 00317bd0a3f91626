/**
 * The job builder: templates from the palette onto a canvas, edges between them, per-task
 * overrides (double-click a box), the job's name and priority, a JSON preview that is exactly the
 * request body, and the API's validation errors on the fields and boxes they name.
 */
import {
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type NodeTypes,
} from '@xyflow/react';
import { useEffect, useRef, useState } from 'react';
import { CanvasLists } from '../builder/canvas-lists.js';
import { DependencyForm } from '../builder/dependency-form.js';
import { EdgeEditor } from '../builder/edge-editor.js';
import { JobFields } from '../builder/job-fields.js';
import {
  buildSpec,
  canvasFromSpec,
  DEFAULT_CONDITION,
  edgeBetween,
  makesCycle,
  uniqueName,
  type DependencyEdge,
  type TaskData,
  type TaskNode,
} from '../builder/model.js';
import { Palette, TEMPLATE_DRAG_TYPE } from '../builder/palette.js';
import { clearDraft, EMPTY_JOB, loadDraft, nextTaskNumber, saveDraft } from '../builder/saved-draft.js';
import { readSpecFile } from '../builder/spec-file.js';
import { placeProblems } from '../builder/problems.js';
import { TaskEditor } from '../builder/task-editor.js';
import { TaskNodeBox } from '../builder/task-node.js';
import { edgeLabel, type Condition } from '../components/edge-label.js';
import { ErrorMessage } from '../components/error-message.js';
import { PageTitle } from '../components/page-title.js';
import { problemsByField } from '../field-errors.js';
import { useT } from '../i18n/i18n.js';
import { useFlowLabels } from '../components/flow-labels.js';
import { pathOf, useRouter } from '../router.js';
import { DraftError, draftFromSpec, draftProblems, EMPTY_DRAFT } from '../task-draft.js';
import { useAction, useApi } from '../use-api.js';

const NODE_TYPES: NodeTypes = { task: TaskNodeBox };
/** A task box's size on the canvas at 100 %, with room for a problem line (styles.css `.task-box`). */
const BOX_SIZE = { width: 190, height: 100 };

export function BuilderPage() {
  return (
    <ReactFlowProvider>
      <Builder />
    </ReactFlowProvider>
  );
}

function Builder() {
  const t = useT();
  const flowLabels = useFlowLabels();
  const { navigate } = useRouter();
  const { screenToFlowPosition, fitView } = useReactFlow();
  const templates = useApi('templates', (c) => c.listTemplates({ limit: 1000 }));
  // The job being built survives leaving the page and reloading it (see saved-draft.ts).
  const [saved] = useState(loadDraft);
  const [jobName, setJobName] = useState(saved.jobName);
  const [priority, setPriority] = useState(saved.priority);
  const [nodes, setNodes, onNodesChange] = useNodesState<TaskNode>(saved.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<DependencyEdge>(saved.edges);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [selectedEdge, setSelectedEdge] = useState<string | undefined>(undefined);
  const [importError, setImportError] = useState<string | undefined>(undefined);
  const [connectError, setConnectError] = useState<string | undefined>(undefined);
  const submit = useAction();
  const nextId = useRef(nextTaskNumber(saved.nodes));

  useEffect(() => {
    saveDraft({ jobName, priority, nodes, edges });
  }, [jobName, priority, nodes, edges]);

  // Delete or Backspace removes the selected edge, as its panel's Remove button does (typing in a
  // field is left alone).
  useEffect(() => {
    if (!selectedEdge) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Delete' && event.key !== 'Backspace') return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      event.preventDefault();
      setEdges((current) => current.filter((e) => e.id !== selectedEdge));
      setSelectedEdge(undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
    };
  }, [selectedEdge, setEdges]);

  const startOver = (canvas: typeof EMPTY_JOB) => {
    setJobName(canvas.jobName);
    setPriority(canvas.priority);
    setNodes(canvas.nodes);
    setEdges(canvas.edges);
    setEditing(undefined);
    setSelectedEdge(undefined);
    setConnectError(undefined);
    setImportError(undefined);
    submit.clearError();
    nextId.current = nextTaskNumber(canvas.nodes);
  };

  const canvasRef = useRef<HTMLDivElement>(null);
  /** Whether a box placed at this flow position is wholly inside the canvas as it is shown. */
  const inView = (at: { x: number; y: number }) => {
    const shown = canvasRef.current?.getBoundingClientRect();
    if (!shown) return false;
    const topLeft = screenToFlowPosition({ x: shown.left, y: shown.top });
    const bottomRight = screenToFlowPosition({ x: shown.right, y: shown.bottom });
    return (
      at.x >= topLeft.x &&
      at.y >= topLeft.y &&
      at.x + BOX_SIZE.width <= bottomRight.x &&
      at.y + BOX_SIZE.height <= bottomRight.y
    );
  };

  const addTask = (template: string | undefined, position?: { x: number; y: number }) => {
    const id = `t${nextId.current++}`;
    const count = nodes.length;
    const data: TaskData = {
      name: uniqueName(
        template ?? 'task',
        nodes.map((n) => n.data.name),
      ),
      overrides: { ...EMPTY_DRAFT },
    };
    if (template) data.template = template;
    // Two columns far enough apart for an edge's label between them ("on success · whole task").
    const at = position ?? { x: 40 + 400 * (count % 2), y: 40 + 140 * Math.floor(count / 2) };
    setNodes((current) => [...current, { id, type: 'task', position: at, data }]);
    if (position) return;
    // Added with a button, the box may land out of view: then the view is fitted to the whole
    // graph (never zoomed in past 100 %). In view, the view stays as the user left it.
    if (!inView(at)) setTimeout(() => void fitView({ maxZoom: 1, padding: 0.1 }), 50);
    if (!template) {
      setEditing(id);
      setSelectedEdge(undefined);
    }
  };

  const nameOf = (id: string) => nodes.find((n) => n.id === id)?.data.name ?? id;

  const connect = (source: string, target: string, condition: Condition = DEFAULT_CONDITION) => {
    if (makesCycle(edges, source, target)) {
      setConnectError(t('builder.cycle', { from: nameOf(source), to: nameOf(target) }));
      return;
    }
    setConnectError(undefined);
    setEdges((current) =>
      current.some((e) => e.source === source && e.target === target)
        ? current
        : [...current, edgeBetween(source, target, condition)],
    );
  };

  let preview: string;
  let spec: ReturnType<typeof buildSpec> | undefined;
  try {
    spec = buildSpec(jobName, priority, nodes, edges);
    preview = JSON.stringify(spec, null, 2);
  } catch (error) {
    if (!(error instanceof DraftError)) throw error;
    preview = t('builder.previewInvalid');
  }

  const problems = placeProblems(submit.error);
  const localErrors = (node: TaskNode | undefined): Record<string, string> =>
    Object.fromEntries(
      Object.entries(node ? draftProblems(node.data.overrides) : {}).map(([field, problem]) => [
        field,
        t(problem === 'JSON' ? 'error.invalidJson' : 'error.notNumber'),
      ]),
    );
  const shownNodes = nodes.map((node, index) => {
    const errors = { ...problems.tasks.get(index), ...localErrors(node) };
    const first = Object.values(errors)[0];
    return first ? { ...node, data: { ...node.data, problem: first } } : node;
  });
  const shownEdges = edges.map((edge) => ({
    ...edge,
    label: edgeLabel(edge.data ?? DEFAULT_CONDITION, t),
    selected: edge.id === selectedEdge,
  }));
  const editingIndex = nodes.findIndex((n) => n.id === editing);
  const editingNode = nodes[editingIndex];
  const edge = edges.find((e) => e.id === selectedEdge);
  const templateDraft = (name: string | undefined) => {
    const template = templates.data?.items.find((tpl) => tpl.name === name);
    return template ? draftFromSpec(template.spec) : undefined;
  };

  const importFile = async (file: File) => {
    try {
      startOver(canvasFromSpec(await readSpecFile(file)));
      setTimeout(() => void fitView(), 50);
    } catch (error) {
      setImportError(t('builder.importFailed', { message: error instanceof Error ? error.message : String(error) }));
    }
  };

  return (
    <section className="builder">
      <PageTitle title={t('builder.title')}>
        <button
          type="button"
          onClick={() => {
            startOver(EMPTY_JOB);
            clearDraft();
          }}
        >
          {t('builder.newJob')}
        </button>
        <label className="button">
          {t('builder.import')}
          <input
            type="file"
            className="visually-hidden"
            accept=".json,.yaml,.yml,application/json"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void importFile(file);
              event.target.value = '';
            }}
          />
        </label>
      </PageTitle>
      {importError && (
        <p className="error" role="alert">
          {importError}
        </p>
      )}
      <JobFields
        name={jobName}
        priority={priority}
        problems={
          priority.trim() !== '' && !Number.isFinite(Number(priority))
            ? { ...problems.job, priority: t('error.notNumber') }
            : problems.job
        }
        onName={setJobName}
        onPriority={setPriority}
      />
      <div className="builder-body">
        <Palette templates={templates.data?.items ?? []} onAdd={addTask} />
        <div
          className="canvas"
          data-testid="builder-canvas"
          ref={canvasRef}
          onDragOver={(event) => {
            if (event.dataTransfer.types.includes(TEMPLATE_DRAG_TYPE)) {
              event.preventDefault();
              event.dataTransfer.dropEffect = 'copy';
            }
          }}
          onDrop={(event) => {
            const name = event.dataTransfer.getData(TEMPLATE_DRAG_TYPE);
            if (!name) return;
            event.preventDefault();
            addTask(name, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
          }}
        >
          <ReactFlow<TaskNode, DependencyEdge>
            nodes={shownNodes}
            edges={shownEdges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={(connection) => {
              connect(connection.source, connection.target);
            }}
            onNodeDoubleClick={(_event, node) => {
              setEditing(node.id);
              setSelectedEdge(undefined);
            }}
            onEdgeClick={(_event, clicked) => {
              setSelectedEdge(clicked.id);
              setEditing(undefined);
            }}
            onNodesDelete={(deleted) => {
              if (deleted.some((n) => n.id === editing)) setEditing(undefined);
            }}
            deleteKeyCode={null}
            proOptions={{ hideAttribution: true }}
            ariaLabelConfig={flowLabels}
          >
            <Background />
            <Controls />
          </ReactFlow>
          {connectError && (
            <p className="field-error canvas-error" role="alert">
              {connectError}
            </p>
          )}
          {problems.job.tasks && (
            <p className="field-error canvas-error" role="alert">
              {problems.job.tasks}
            </p>
          )}
        </div>
        <div className="side">
          {editingNode ? (
            <TaskEditor
              key={editingNode.id}
              task={editingNode.data}
              inherited={templateDraft(editingNode.data.template)}
              errors={{ ...problems.tasks.get(editingIndex), ...localErrors(editingNode) }}
              onChange={(data) => {
                setNodes((current) => current.map((n) => (n.id === editingNode.id ? { ...n, data } : n)));
              }}
              onRemove={() => {
                setNodes((current) => current.filter((n) => n.id !== editingNode.id));
                setEdges((current) =>
                  current.filter((e) => e.source !== editingNode.id && e.target !== editingNode.id),
                );
                setEditing(undefined);
              }}
              onClose={() => {
                setEditing(undefined);
              }}
            />
          ) : edge ? (
            <EdgeEditor
              from={nameOf(edge.source)}
              to={nameOf(edge.target)}
              condition={edge.data ?? DEFAULT_CONDITION}
              onChange={(condition) => {
                setEdges((current) => current.map((e) => (e.id === edge.id ? { ...e, data: { ...condition } } : e)));
              }}
              onRemove={() => {
                setEdges((current) => current.filter((e) => e.id !== edge.id));
                setSelectedEdge(undefined);
              }}
            />
          ) : (
            <p className="hint">{t('builder.sideHint')}</p>
          )}
          <CanvasLists
            nodes={nodes}
            edges={edges}
            onEditTask={(id) => {
              setEditing(id);
              setSelectedEdge(undefined);
            }}
            onEditEdge={(id) => {
              setSelectedEdge(id);
              setEditing(undefined);
            }}
          />
          <DependencyForm nodes={nodes} onAdd={connect} />
        </div>
      </div>
      <h2>{t('builder.preview')}</h2>
      <pre className="json" data-testid="spec-preview" tabIndex={0}>
        {preview}
      </pre>
      {problems.other.map((message) => (
        <p key={message} className="error" role="alert">
          {message}
        </p>
      ))}
      {!(submit.error && problemsByField(submit.error).size > 0) && <ErrorMessage error={submit.error} />}
      <div className="form-actions">
        <button
          type="button"
          className="primary"
          disabled={!spec || submit.busy}
          onClick={() => {
            if (!spec) return;
            const body = spec;
            void submit
              .run((c) => c.submitJob(body))
              .then((job) => {
                if (!job) return;
                clearDraft();
                navigate(pathOf('jobs', job.id));
              });
          }}
        >
          {t('builder.submit')}
        </button>
      </div>
    </section>
  );
}
