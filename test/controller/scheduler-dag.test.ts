/**
 * The DAG rules of SPEC §2/§3 as the pure reconcile step applies them: when downstream instances
 * are released, when they are skipped, and how skips cascade — all from plain snapshots.
 */
import t from 'tap';
import { reconcile } from '../../controller/scheduler/reconcile.js';
import { job, reconcileOnce, task, times } from './snapshots.js';

t.test('short form: downstream waits until every upstream instance SUCCEEDED', async (t) => {
  t.test('one upstream instance still running', async (t) => {
    const r = reconcileOnce(
      job(task('prepare', ['SUCCEEDED', 'RUNNING']), task('render', times(3, 'BLOCKED'), { dependsOn: ['prepare'] })),
    );
    t.same(r.releases, []);
    t.equal(r.tasks.render, 'WAITING');
    t.equal(r.job, 'RUNNING');
  });

  t.test('one upstream instance re-queued for a retry', async (t) => {
    const r = reconcileOnce(
      job(task('prepare', ['SUCCEEDED', 'PENDING']), task('render', times(3, 'BLOCKED'), { dependsOn: ['prepare'] })),
    );
    t.same(r.releases, []);
    t.equal(r.tasks.render, 'WAITING');
  });

  t.test('every upstream instance succeeded', async (t) => {
    const r = reconcileOnce(
      job(
        task('prepare', ['SUCCEEDED', 'SUCCEEDED'], { state: 'RUNNING' }),
        task('render', times(3, 'BLOCKED'), { dependsOn: ['prepare'] }),
      ),
    );
    t.same(r.releases, ['render: ready']);
    t.same(r.tasks, { prepare: 'SUCCEEDED', render: 'PENDING' });
    t.equal(r.job, 'RUNNING');
  });

  t.test('an upstream instance failed: the condition can never hold', async (t) => {
    const r = reconcileOnce(
      job(
        task('prepare', ['SUCCEEDED', 'FAILED'], { state: 'RUNNING' }),
        task('render', times(3, 'BLOCKED'), { dependsOn: ['prepare'] }),
      ),
    );
    t.same(r.releases, ['render: skip']);
    t.same(r.tasks, { prepare: 'FAILED', render: 'SKIPPED' });
    t.equal(r.job, 'FAILED');
  });

  t.test('two upstreams: released only when both succeeded', async (t) => {
    const waiting = reconcileOnce(
      job(task('a', ['SUCCEEDED']), task('b', ['RUNNING']), task('report', ['BLOCKED'], { dependsOn: ['a', 'b'] })),
    );
    t.same(waiting.releases, []);
    const ready = reconcileOnce(
      job(task('a', ['SUCCEEDED']), task('b', ['SUCCEEDED']), task('report', ['BLOCKED'], { dependsOn: ['a', 'b'] })),
    );
    t.same(ready.releases, ['report: ready']);
  });

  t.test('two upstreams: one failed is enough to skip, even while the other runs', async (t) => {
    const r = reconcileOnce(
      job(task('a', ['FAILED']), task('b', ['RUNNING']), task('report', ['BLOCKED'], { dependsOn: ['a', 'b'] })),
    );
    t.same(r.releases, ['report: skip']);
    t.equal(r.tasks.report, 'SKIPPED');
    t.equal(r.job, 'RUNNING', 'b is still running');
  });
});

t.test('on: failure runs only if the upstream FAILED', async (t) => {
  const cleanup = { dependsOn: [{ task: 'render', on: 'failure' as const }] };

  t.test('upstream failed: released', async (t) => {
    const r = reconcileOnce(job(task('render', ['SUCCEEDED', 'FAILED']), task('cleanup', ['BLOCKED'], cleanup)));
    t.same(r.releases, ['cleanup: ready']);
    t.same(r.tasks, { render: 'FAILED', cleanup: 'PENDING' });
    t.equal(r.job, 'RUNNING', 'the job goes on while the failure handler runs');
  });

  t.test('upstream succeeded: SKIPPED, and the job still SUCCEEDED', async (t) => {
    const r = reconcileOnce(job(task('render', ['SUCCEEDED', 'SUCCEEDED']), task('cleanup', ['BLOCKED'], cleanup)));
    t.same(r.releases, ['cleanup: skip']);
    t.same(r.tasks, { render: 'SUCCEEDED', cleanup: 'SKIPPED' });
    t.equal(r.job, 'SUCCEEDED');
  });

  t.test('upstream still running: waits', async (t) => {
    const r = reconcileOnce(job(task('render', ['FAILED', 'RUNNING']), task('cleanup', ['BLOCKED'], cleanup)));
    t.same(r.releases, [], 'one failed instance does not make the task FAILED while another runs');
    t.equal(r.tasks.cleanup, 'WAITING');
  });

  t.test('upstream skipped: the failure never happened, so SKIPPED', async (t) => {
    const r = reconcileOnce(
      job(
        task('a', ['FAILED']),
        task('render', ['BLOCKED'], { dependsOn: ['a'] }),
        task('cleanup', ['BLOCKED'], cleanup),
      ),
    );
    t.same(r.releases, ['render: skip', 'cleanup: skip']);
  });

  t.test('the job fails when the failure handler succeeded', async (t) => {
    const r = reconcileOnce(job(task('render', ['FAILED']), task('cleanup', ['SUCCEEDED'], cleanup)));
    t.equal(r.job, 'FAILED');
  });
});

t.test('on: any runs whatever the upstream outcome once it is done', async (t) => {
  const report = { dependsOn: [{ task: 'render', on: 'any' as const }] };
  for (const outcome of ['SUCCEEDED', 'FAILED'] as const) {
    const r = reconcileOnce(job(task('render', [outcome, 'SUCCEEDED']), task('report', ['BLOCKED'], report)));
    t.same(r.releases, ['report: ready'], `upstream ${outcome}`);
  }
  const running = reconcileOnce(job(task('render', ['FAILED', 'RUNNING']), task('report', ['BLOCKED'], report)));
  t.same(running.releases, [], 'not while an upstream instance runs');

  const skipped = reconcileOnce(
    job(task('a', ['FAILED']), task('render', ['BLOCKED'], { dependsOn: ['a'] }), task('report', ['BLOCKED'], report)),
  );
  t.same(skipped.releases, ['render: skip', 'report: ready'], 'an upstream skipped in the same pass counts as done');
  t.same(skipped.tasks, { a: 'FAILED', render: 'SKIPPED', report: 'PENDING' });
});

t.test('a skip cascades A → B → C in one reconcile when A fails', async (t) => {
  const r = reconcileOnce(
    job(
      task('A', ['FAILED'], { state: 'RUNNING' }),
      task('B', times(2, 'BLOCKED'), { dependsOn: ['A'] }),
      task('C', times(4, 'BLOCKED'), { dependsOn: ['B'] }),
    ),
  );
  t.same(r.releases, ['B: skip', 'C: skip']);
  t.same(r.tasks, { A: 'FAILED', B: 'SKIPPED', C: 'SKIPPED' });
  t.equal(r.job, 'FAILED', 'the job is finished in the same pass');
  t.same(r.illegal, []);
});

t.test('a skip cascades through a diamond but not past an on: failure handler', async (t) => {
  const r = reconcileOnce(
    job(
      task('A', ['FAILED']),
      task('B', ['BLOCKED'], { dependsOn: ['A'] }),
      task('C', ['BLOCKED'], { dependsOn: ['A'] }),
      task('D', ['BLOCKED'], { dependsOn: ['B', 'C'] }),
      task('onFail', ['BLOCKED'], { dependsOn: [{ task: 'D', on: 'failure' }] }),
      task('onAny', ['BLOCKED'], { dependsOn: [{ task: 'D', on: 'any' }] }),
      task('after', ['BLOCKED'], { dependsOn: ['onAny'] }),
    ),
  );
  t.same(r.releases, ['B: skip', 'C: skip', 'D: skip', 'onFail: skip', 'onAny: ready']);
  t.equal(r.tasks.after, 'WAITING', 'waits for onAny to run');
  t.equal(r.job, 'RUNNING');
});

t.test('per: instance', async (t) => {
  const perInstance = (on: 'success' | 'failure' | 'any' = 'success') => ({
    dependsOn: [{ task: 'A', per: 'instance' as const, on }],
  });

  t.test('instance i is released when upstream i SUCCEEDED, while the others still run', async (t) => {
    const r = reconcileOnce(
      job(task('A', ['RUNNING', 'SUCCEEDED', 'PENDING']), task('B', times(3, 'BLOCKED'), perInstance())),
    );
    t.same(r.releases, ['B[1]: ready']);
    t.equal(r.tasks.B, 'PENDING', 'a released instance makes the task PENDING');
    t.same(r.plan.releases[0], { jobId: 'job-1', task: 'B', to: 'ready', indexes: [1] });
  });

  t.test('instance i is skipped when upstream i FAILED, the others are not affected', async (t) => {
    const r = reconcileOnce(
      job(task('A', ['FAILED', 'SUCCEEDED', 'RUNNING']), task('B', times(3, 'BLOCKED'), perInstance())),
    );
    t.same(r.releases, ['B[1]: ready', 'B[0]: skip']);
    t.equal(r.tasks.B, 'PENDING');
  });

  t.test('only the still-blocked instances are decided', async (t) => {
    const r = reconcileOnce(
      job(
        task('A', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']),
        task('B', ['RUNNING', 'SUCCEEDED', 'BLOCKED'], perInstance()),
      ),
    );
    t.same(r.releases, ['B[2]: ready']);
    t.equal(r.tasks.B, 'RUNNING');
  });

  t.test('on: failure per instance', async (t) => {
    const r = reconcileOnce(
      job(task('A', ['FAILED', 'SUCCEEDED', 'RUNNING']), task('B', times(3, 'BLOCKED'), perInstance('failure'))),
    );
    t.same(r.releases, ['B[0]: ready', 'B[1]: skip']);
  });

  t.test('on: any per instance', async (t) => {
    const r = reconcileOnce(
      job(task('A', ['FAILED', 'SUCCEEDED', 'RUNNING']), task('B', times(3, 'BLOCKED'), perInstance('any'))),
    );
    t.same(r.releases, ['B[0,1]: ready']);
  });

  t.test('a per-instance skip cascades down a per-instance chain in one pass', async (t) => {
    const r = reconcileOnce(
      job(
        task('A', ['FAILED', 'SUCCEEDED']),
        task('B', times(2, 'BLOCKED'), perInstance()),
        task('C', times(2, 'BLOCKED'), { dependsOn: [{ task: 'B', per: 'instance' }] }),
      ),
    );
    t.same(r.releases, ['B[1]: ready', 'B[0]: skip', 'C[0]: skip']);
    t.equal(r.tasks.C, 'WAITING', 'C[1] waits for B[1]');
  });

  t.test('a whole-task skip reaches a per-instance downstream in one pass', async (t) => {
    const r = reconcileOnce(
      job(
        task('A', ['FAILED']),
        task('B', times(2, 'BLOCKED'), { dependsOn: ['A'] }),
        task('C', times(2, 'BLOCKED'), { dependsOn: [{ task: 'B', per: 'instance' }] }),
      ),
    );
    t.same(r.releases, ['B: skip', 'C[0,1]: skip']);
    t.same(r.tasks, { A: 'FAILED', B: 'SKIPPED', C: 'SKIPPED' });
    t.equal(r.job, 'FAILED');
  });

  t.test('all instances released over several passes end the wait', async (t) => {
    const r = reconcileOnce(
      job(task('A', ['SUCCEEDED', 'SUCCEEDED']), task('B', ['SUCCEEDED', 'BLOCKED'], perInstance())),
    );
    t.same(r.releases, ['B[1]: ready']);
  });
});

t.test('mixed per-task and per-instance dependencies', async (t) => {
  const deps = { dependsOn: ['setup', { task: 'split', per: 'instance' as const }] };

  t.test('per-instance upstream done but the per-task one is not: everything waits', async (t) => {
    const r = reconcileOnce(
      job(task('setup', ['RUNNING']), task('split', ['SUCCEEDED', 'FAILED']), task('work', times(2, 'BLOCKED'), deps)),
    );
    t.same(r.releases, []);
    t.equal(r.tasks.work, 'WAITING');
  });

  t.test('per-task upstream succeeded: each instance follows its own upstream instance', async (t) => {
    const r = reconcileOnce(
      job(
        task('setup', ['SUCCEEDED']),
        task('split', ['SUCCEEDED', 'RUNNING', 'FAILED']),
        task('work', times(3, 'BLOCKED'), deps),
      ),
    );
    t.same(r.releases, ['work[0]: ready', 'work[2]: skip']);
  });

  t.test('per-task upstream failed: every instance is skipped whatever its own upstream did', async (t) => {
    const r = reconcileOnce(
      job(task('setup', ['FAILED']), task('split', ['SUCCEEDED', 'RUNNING']), task('work', times(2, 'BLOCKED'), deps)),
    );
    t.same(r.releases, ['work: skip']);
    t.equal(r.tasks.work, 'SKIPPED');
  });
});

t.test('a stopping job releases nothing: its waiting instances stop, and it ends with them', async (t) => {
  const r = reconcileOnce(
    job(
      { state: 'RUNNING', desired: 'stop' },
      task('prepare', ['SUCCEEDED']),
      task('render', ['BLOCKED'], { dependsOn: ['prepare'] }),
    ),
  );
  t.same(r.releases, []);
  t.same(r.plan.stops, ['job-1'], 'the stop is carried out');
  t.equal(r.tasks.render, 'STOPPED');
  t.equal(r.job, 'STOPPED', 'nothing was running: the job ends at once');
  t.same(r.illegal, []);
});

t.test('a stopping job with running instances is STOPPING until they report', async (t) => {
  const r = reconcileOnce(
    job({ state: 'RUNNING', desired: 'stop' }, task('render', ['RUNNING', 'PENDING', 'SUCCEEDED'])),
  );
  t.same(r.plan.stops, ['job-1']);
  t.equal(r.tasks.render, 'RUNNING');
  t.equal(r.job, 'STOPPING');
});

t.test('a restart request re-arms the job and decides nothing else for it', async (t) => {
  const r = reconcileOnce(
    job(
      { state: 'FAILED', restartRequested: true },
      task('a', ['SUCCEEDED']),
      task('b', ['FAILED'], { state: 'FAILED' }),
    ),
  );
  t.same(r.plan.rearms, ['job-1']);
  t.same([r.plan.releases, r.plan.tasks, r.plan.jobs, r.plan.stops], [[], [], [], []]);
});

t.test('reconcile never changes the snapshot it is given', async (t) => {
  const snapshot = job(
    { state: 'RUNNING' },
    task('a', ['FAILED', 'SUCCEEDED']),
    task('b', ['BLOCKED', 'BLOCKED'], { dependsOn: [{ task: 'a', per: 'instance' }] }),
    task('c', ['BLOCKED'], { dependsOn: ['b'] }),
  );
  const before = structuredClone(snapshot);
  const plan = reconcile([snapshot]);
  t.ok(plan.releases.length > 0, 'the plan decided something');
  t.same(snapshot, before);
  const stopping = job({ state: 'RUNNING', desired: 'stop' }, task('a', ['PENDING', 'BLOCKED']));
  const stoppingBefore = structuredClone(stopping);
  reconcile([stopping]);
  t.same(stopping, stoppingBefore);
});

t.test('reconcile handles several jobs independently', async (t) => {
  const plan = reconcile([
    job({ id: 'j1' }, task('a', ['SUCCEEDED']), task('b', ['BLOCKED'], { dependsOn: ['a'] })),
    job({ id: 'j2' }, task('a', ['FAILED']), task('b', ['BLOCKED'], { dependsOn: ['a'] })),
  ]);
  t.same(
    plan.releases.map((r) => `${r.jobId}/${r.task}: ${r.to}`),
    ['j1/b: ready', 'j2/b: skip'],
  );
  t.same(
    plan.jobs.map((j) => `${j.jobId}: ${j.to}`),
    ['j2: FAILED'],
  );
});
