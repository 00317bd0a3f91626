/**
 * Task and job states (SPEC §3) derived from instance states, and the sequence of states a job
 * goes through over several scheduling passes — each step must be a transition the tables allow.
 */
import t from 'tap';
import { conditionHolds, deriveJobState, deriveTaskState } from '../../controller/scheduler/derive.js';
import type { JobState, TaskState } from '../../protocol/states.js';
import {
  countsOf,
  job,
  reconcileOnce,
  task,
  times,
  type InstanceSpec,
  type JobOptions,
  type Reconciled,
  type TaskDraft,
} from './snapshots.js';

const taskState = (instances: InstanceSpec[]): TaskState => {
  const { counts, blocked } = countsOf(instances);
  return deriveTaskState(counts, instances.length, blocked);
};

t.test('task state from its instances', async (t) => {
  const cases: [InstanceSpec[], TaskState, string][] = [
    [['BLOCKED', 'BLOCKED'], 'WAITING', 'every instance held by a dependency'],
    [['SKIPPED', 'BLOCKED'], 'WAITING', 'per instance: one skipped, the other still held'],
    [['PENDING', 'PENDING'], 'PENDING', 'released, waiting for a node'],
    [['PENDING', 'BLOCKED'], 'PENDING', 'per instance: one released'],
    [['SKIPPED', 'PENDING'], 'PENDING', 'per instance: one skipped, one released'],
    [['SCHEDULED', 'PENDING'], 'RUNNING', 'one sent to a node'],
    [['RUNNING', 'BLOCKED'], 'RUNNING', 'per instance: one running'],
    [['SUCCEEDED', 'PENDING'], 'RUNNING', 'one done, one still to run'],
    [['FAILED', 'RUNNING'], 'RUNNING', 'a failure does not end a task while another instance runs'],
    [['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'], 'SUCCEEDED', 'every instance succeeded'],
    [['SUCCEEDED', 'FAILED'], 'FAILED', 'all done, one failed'],
    [['STOPPED', 'FAILED'], 'FAILED', 'FAILED wins over STOPPED'],
    [['SKIPPED', 'FAILED'], 'FAILED', 'FAILED wins over SKIPPED'],
    [['STOPPED', 'SUCCEEDED'], 'STOPPED', 'all done, one stopped'],
    [['SKIPPED', 'SKIPPED'], 'SKIPPED', 'every instance skipped'],
  ];
  for (const [instances, expected, why] of cases)
    t.equal(taskState(instances), expected, `[${instances.join(', ')}]: ${why}`);
});

t.test('job state from its tasks', async (t) => {
  const cases: [TaskState[], 'run' | 'stop', boolean, JobState, string][] = [
    [['PENDING', 'WAITING'], 'run', false, 'PENDING', 'nothing started yet'],
    [['RUNNING', 'WAITING'], 'run', true, 'RUNNING', 'something started'],
    [['SUCCEEDED', 'PENDING'], 'run', true, 'RUNNING', 'between tasks'],
    [['SUCCEEDED', 'SUCCEEDED'], 'run', true, 'SUCCEEDED', 'every task succeeded'],
    [['SUCCEEDED', 'SKIPPED'], 'run', true, 'SUCCEEDED', 'an on: failure handler that was not needed'],
    [['FAILED', 'SUCCEEDED'], 'run', true, 'FAILED', 'a task failed (its failure handler ran)'],
    [['FAILED', 'SKIPPED'], 'run', true, 'FAILED', 'a task failed and its downstream was skipped'],
    [['STOPPED', 'SUCCEEDED'], 'run', true, 'STOPPED', 'a task was stopped'],
    [['STOPPED', 'FAILED'], 'stop', true, 'FAILED', 'FAILED wins over STOPPED'],
    [['RUNNING', 'WAITING'], 'stop', true, 'STOPPING', 'stop asked, something still runs'],
    [['PENDING'], 'stop', false, 'STOPPING', 'stop asked before anything started'],
    [['STOPPED', 'STOPPED'], 'stop', true, 'STOPPED', 'stop done'],
    [['SUCCEEDED', 'STOPPED'], 'stop', true, 'STOPPED', 'stopped after the first task succeeded'],
    [['SUCCEEDED'], 'stop', true, 'SUCCEEDED', 'everything finished before the stop took effect'],
  ];
  for (const [tasks, desired, started, expected, why] of cases) {
    t.equal(deriveJobState(tasks, desired, started), expected, `[${tasks.join(', ')}] desired=${desired}: ${why}`);
  }
});

t.test('dependency conditions', async (t) => {
  const cases: [TaskState, boolean | undefined, boolean | undefined, boolean | undefined][] = [
    // upstream      success    failure    any
    ['WAITING', undefined, undefined, undefined],
    ['PENDING', undefined, undefined, undefined],
    ['RUNNING', undefined, undefined, undefined],
    ['SUCCEEDED', true, false, true],
    ['FAILED', false, true, true],
    ['STOPPED', false, false, true],
    ['SKIPPED', false, false, true],
  ];
  for (const [upstream, success, failure, any] of cases) {
    t.equal(conditionHolds('success', upstream), success, `success after ${upstream}`);
    t.equal(conditionHolds('failure', upstream), failure, `failure after ${upstream}`);
    t.equal(conditionHolds('any', upstream), any, `any after ${upstream}`);
  }
  t.equal(conditionHolds('success', 'SCHEDULED'), undefined, 'an instance sent to a node is not done');
});

t.test('the job state the reconcile step derives', async (t) => {
  t.equal(reconcileOnce(job({ state: 'PENDING' }, task('a', ['PENDING', 'PENDING']))).job, 'PENDING');
  t.equal(
    reconcileOnce(job({ state: 'PENDING' }, task('a', ['SCHEDULED', 'PENDING']))).job,
    'RUNNING',
    'a SCHEDULED instance means started',
  );
  t.equal(reconcileOnce(job({ state: 'PENDING' }, task('a', ['BLOCKED']), task('b', ['BLOCKED']))).job, 'PENDING');
  t.equal(reconcileOnce(job({ state: 'RUNNING', desired: 'stop' }, task('a', ['RUNNING', 'STOPPED']))).job, 'STOPPING');
  t.equal(
    reconcileOnce(
      job({ state: 'STOPPING', desired: 'stop' }, task('a', ['STOPPED', 'SUCCEEDED']), task('b', ['STOPPED'])),
    ).job,
    'STOPPED',
  );
  t.equal(
    reconcileOnce(job({ state: 'PENDING', desired: 'stop' }, task('a', ['STOPPED']))).job,
    'STOPPED',
    'stopped before it started',
  );
  t.same(reconcileOnce(job({ state: 'RUNNING' }, task('a', ['RUNNING']))).plan.jobs, [], 'no change, no write');
});

// ---------------------------------------------------------------------------------------------
// A job over several passes: each pass reads the states the previous one wrote.

interface Pass {
  tasks: TaskDraft[];
  desired?: 'run' | 'stop';
}

function passes(first: JobOptions, steps: Pass[]): Reconciled[] {
  const results: Reconciled[] = [];
  let jobState: JobState = first.state ?? 'PENDING';
  let taskStates: Record<string, TaskState> | undefined;
  for (const step of steps) {
    const drafts = step.tasks.map((d) => (taskStates ? { ...d, state: taskStates[d.name]! } : d));
    const r = reconcileOnce(job({ ...first, state: jobState, desired: step.desired ?? 'run' }, ...drafts));
    results.push(r);
    jobState = r.job;
    taskStates = r.tasks;
  }
  return results;
}

const render = (instances: InstanceSpec[]) => task('render', instances, { dependsOn: ['prepare'] });

t.test('a job from submit to SUCCEEDED', async (t) => {
  const r = passes({ state: 'PENDING' }, [
    { tasks: [task('prepare', ['PENDING']), render(times(3, 'BLOCKED'))] },
    { tasks: [task('prepare', ['RUNNING']), render(times(3, 'BLOCKED'))] },
    { tasks: [task('prepare', ['SUCCEEDED']), render(times(3, 'BLOCKED'))] },
    { tasks: [task('prepare', ['SUCCEEDED']), render(['SCHEDULED', 'PENDING', 'PENDING'])] },
    { tasks: [task('prepare', ['SUCCEEDED']), render(['SUCCEEDED', 'RUNNING', 'SUCCEEDED'])] },
    { tasks: [task('prepare', ['SUCCEEDED']), render(times(3, 'SUCCEEDED'))] },
  ]);
  t.same(
    r.map((x) => [x.tasks.prepare, x.tasks.render, x.job]),
    [
      ['PENDING', 'WAITING', 'PENDING'],
      ['RUNNING', 'WAITING', 'RUNNING'],
      ['SUCCEEDED', 'PENDING', 'RUNNING'],
      ['SUCCEEDED', 'RUNNING', 'RUNNING'],
      ['SUCCEEDED', 'RUNNING', 'RUNNING'],
      ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'],
    ],
  );
  for (const [i, x] of r.entries()) t.same(x.illegal, [], `pass ${i} plans only allowed transitions`);
});

t.test('a job with a failure handler', async (t) => {
  const handler = (instances: InstanceSpec[]) =>
    task('cleanup', instances, { dependsOn: [{ task: 'render', on: 'failure' }] });
  const r = passes({ state: 'RUNNING' }, [
    { tasks: [task('render', ['RUNNING']), handler(['BLOCKED'])] },
    { tasks: [task('render', ['FAILED']), handler(['BLOCKED'])] },
    { tasks: [task('render', ['FAILED']), handler(['RUNNING'])] },
    { tasks: [task('render', ['FAILED']), handler(['SUCCEEDED'])] },
  ]);
  t.same(
    r.map((x) => [x.tasks.render, x.tasks.cleanup, x.job]),
    [
      ['RUNNING', 'WAITING', 'RUNNING'],
      ['FAILED', 'PENDING', 'RUNNING'],
      ['FAILED', 'RUNNING', 'RUNNING'],
      ['FAILED', 'SUCCEEDED', 'FAILED'],
    ],
  );
  for (const [i, x] of r.entries()) t.same(x.illegal, [], `pass ${i} plans only allowed transitions`);
});

t.test('a job stopped while running', async (t) => {
  const r = passes({ state: 'RUNNING' }, [
    { tasks: [task('prepare', ['RUNNING', 'SUCCEEDED']), render(times(2, 'BLOCKED'))] },
    // stop: pending instances STOPPED at once, running ones asked to die
    { tasks: [task('prepare', ['RUNNING', 'SUCCEEDED']), render(times(2, 'STOPPED'))], desired: 'stop' },
    { tasks: [task('prepare', ['STOPPED', 'SUCCEEDED']), render(times(2, 'STOPPED'))], desired: 'stop' },
  ]);
  t.same(
    r.map((x) => [x.tasks.prepare, x.tasks.render, x.job]),
    [
      ['RUNNING', 'WAITING', 'RUNNING'],
      ['RUNNING', 'STOPPED', 'STOPPING'],
      ['STOPPED', 'STOPPED', 'STOPPED'],
    ],
  );
  for (const [i, x] of r.entries()) t.same(x.illegal, [], `pass ${i} plans only allowed transitions`);
});

t.test(
  'an instance re-queued for a retry does not move its task or job back to a state the tables forbid',
  async (t) => {
    const r = passes({ state: 'PENDING' }, [
      { tasks: [task('prepare', ['PENDING']), render(['BLOCKED'])] },
      { tasks: [task('prepare', ['RUNNING']), render(['BLOCKED'])] },
      // the attempt failed with retries left (or its node was lost): the instance is PENDING again
      { tasks: [task('prepare', ['PENDING']), render(['BLOCKED'])] },
    ]);
    t.same(r[1]!.illegal, []);
    t.same(r[2]!.illegal, [], 'no forbidden transition planned');
  },
);

t.test('a per-instance task that ends with some instances skipped and the rest succeeded', async (t) => {
  const work = (instances: InstanceSpec[]) =>
    task('work', instances, { dependsOn: [{ task: 'split', per: 'instance' }] });
  const r = passes({ state: 'RUNNING' }, [
    { tasks: [task('split', ['FAILED', 'SUCCEEDED']), work(['BLOCKED', 'BLOCKED'])] },
    { tasks: [task('split', ['FAILED', 'SUCCEEDED']), work(['SKIPPED', 'RUNNING'])] },
    { tasks: [task('split', ['FAILED', 'SUCCEEDED']), work(['SKIPPED', 'SUCCEEDED'])] },
  ]);
  t.same(r[0]!.releases, ['work[1]: ready', 'work[0]: skip']);
  t.equal(r[1]!.tasks.work, 'RUNNING');
  t.equal(r[2]!.job, 'FAILED', 'split failed');
  t.same(r[2]!.illegal, [], 'no forbidden transition planned');
});
