/**
 * The builder's canvas ↔ job spec: the spec it posts (what the JSON preview shows), a spec file
 * imported onto the canvas and back unchanged, and API problems placed on the field they name.
 */
import t from 'tap';
import { ApiRequestError } from '../../sdk/errors.js';
import {
  buildSpec,
  canvasFromSpec,
  edgeBetween,
  makesCycle,
  uniqueName,
  type TaskNode,
} from '../../console/src/builder/model.js';
import { placeProblems } from '../../console/src/builder/problems.js';
import { draftProblems, EMPTY_DRAFT } from '../../console/src/task-draft.js';

const box = (id: string, name: string, template?: string, overrides: Partial<typeof EMPTY_DRAFT> = {}): TaskNode => ({
  id,
  type: 'task',
  position: { x: 0, y: 0 },
  data: { name, ...(template ? { template } : {}), overrides: { ...EMPTY_DRAFT, ...overrides } },
});

t.test('the spec has only what was set, and dependencies in their short form when they can be', async (t) => {
  const nodes = [
    box('t1', 'hello', 'batch-hello', { instances: '2' }),
    box('t2', 'goodbye', 'batch-hello', { command: 'echo bye', env: 'A=1\nB=x=y' }),
    box('t3', 'cleanup', undefined, { command: 'rm -rf out', cpu: '0.5', retryOn: 'TIMEOUT, exit:137' }),
  ];
  const edges = [edgeBetween('t1', 't2'), edgeBetween('t2', 't3', { on: 'any', per: 'task' })];
  t.same(buildSpec('helloworld', '5', nodes, edges), {
    name: 'helloworld',
    tasks: [
      { name: 'hello', template: 'batch-hello', instances: 2 },
      {
        name: 'goodbye',
        template: 'batch-hello',
        command: 'echo bye',
        env: { A: '1', B: 'x=y' },
        dependsOn: ['hello'],
      },
      {
        name: 'cleanup',
        command: 'rm -rf out',
        resources: { cpu: 0.5 },
        retryOn: ['TIMEOUT', 'exit:137'],
        dependsOn: [{ task: 'goodbye', on: 'any', per: 'task' }],
      },
    ],
    priority: 5,
  });
});

t.test('an imported spec comes back unchanged from the canvas', async (t) => {
  const spec = {
    name: 'nightly',
    tasks: [
      { name: 'prepare', command: './prepare.sh', timeoutSeconds: 60 },
      { name: 'render', template: 'renderer', instances: 4, dependsOn: ['prepare'] },
      {
        name: 'report',
        command: './report.sh',
        instances: 4,
        dependsOn: [{ task: 'render', on: 'failure', per: 'instance' }],
      },
    ],
    priority: 10,
  };
  const canvas = canvasFromSpec(spec);
  t.equal(canvas.nodes.length, 3);
  t.ok(canvas.nodes[0]!.position.x < canvas.nodes[1]!.position.x, 'laid out left to right in dependency order');
  t.same(buildSpec(canvas.jobName, canvas.priority, canvas.nodes, canvas.edges), spec);
  t.throws(() => canvasFromSpec({ name: 'no tasks' }), TypeError);
});

t.test('task names on the canvas stay unique', async (t) => {
  t.equal(uniqueName('batch-hello', []), 'batch-hello');
  t.equal(uniqueName('batch-hello', ['batch-hello', 'batch-hello-2']), 'batch-hello-3');
});

t.test("the API's problems land on the job's fields and on the tasks' fields", async (t) => {
  const error = new ApiRequestError(422, 'VALIDATION', 'name: must not be empty', 'name', [
    { field: 'name', message: 'must not be empty' },
    { field: 'tasks[1].resources.cpu', message: 'must be at least 0.01' },
    { field: 'tasks[1].env.BATCH_X', message: 'the prefix BATCH_ is reserved' },
    { field: 'tasks[0].dependsOn[0]', message: 'unknown task "x"' },
    { field: 'clientToken', message: 'must not be empty' },
  ]);
  const problems = placeProblems(error);
  t.same(problems.job, { name: 'must not be empty' });
  t.same(problems.tasks.get(1), { cpu: 'must be at least 0.01', env: 'the prefix BATCH_ is reserved' });
  t.same(problems.tasks.get(0), { dependsOn: 'unknown task "x"' });
  t.same(problems.other, ['clientToken: must not be empty']);
  t.same(placeProblems(new Error('offline')).other, [], 'not an API error: nothing to place');
});

t.test('an edge that would close a cycle is found before it is drawn', async (t) => {
  const edges = [edgeBetween('t1', 't2'), edgeBetween('t2', 't3')];
  t.ok(makesCycle(edges, 't3', 't1'), 'through a path');
  t.ok(makesCycle(edges, 't2', 't1'), 'directly back');
  t.ok(makesCycle(edges, 't1', 't1'), 'onto itself');
  t.notOk(makesCycle(edges, 't1', 't3'), 'a shortcut forward is fine');
  t.notOk(makesCycle(edges, 't4', 't1'), 'a new task upstream is fine');
});

t.test('numbers that are not numbers are caught before they are posted', async (t) => {
  t.same(draftProblems({ ...EMPTY_DRAFT, instances: 'abc', cpu: '0.5', mounts: '[' }), {
    instances: 'number',
    mounts: 'JSON',
  });
  t.throws(() => buildSpec('j', '', [box('t1', 'a', undefined, { retries: 'x' })], []), { message: 'retries: number' });
  t.throws(() => buildSpec('j', 'high', [box('t1', 'a', undefined, { command: 'true' })], []), {
    message: 'priority: number',
  });
  t.same(buildSpec('j', ' 5 ', [box('t1', 'a', undefined, { timeoutSeconds: '60' })], []), {
    name: 'j',
    tasks: [{ name: 'a', timeoutSeconds: 60 }],
    priority: 5,
  });
});
