import { availableParallelism } from 'node:os';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { freshDatabase } from '../support/postgres.js';
import { makeApi } from './api-harness.js';

const ok = (extra: object = {}) => ({ name: 'j', tasks: [{ name: 'a', command: 'echo a' }], ...extra });

t.test('a valid job is stored with its tasks and instances, and wakes the scheduler', async (t) => {
  const api = await makeApi(t);
  const res = await api.request('POST', '/v1/jobs', {
    name: 'dag',
    priority: 5,
    tasks: [
      { name: 'a', command: 'echo a', instances: 3 },
      { name: 'b', command: 'echo b', instances: 2, dependsOn: ['a'] },
    ],
  });
  t.equal(res.status, 201);
  t.match(res.body, { name: 'dag', state: 'PENDING', priority: 5, owner: 'admin', counts: { PENDING: 5 } });
  t.same(
    res.body.tasks.map((x: { name: string; state: string; instances: number }) => [x.name, x.state, x.instances]),
    [
      ['a', 'PENDING', 3],
      ['b', 'WAITING', 2],
    ],
  );
  t.same(api.wakes, ['job-submitted']);
  const got = await api.request('GET', `/v1/jobs/${res.body.id}`);
  t.same(got.body, res.body);
  const inst = await api.request('GET', `/v1/jobs/${res.body.id}/tasks/b/instances`);
  t.same(
    inst.body.items.map((i: { index: number; state: string; pendingReason?: string }) => [
      i.index,
      i.state,
      i.pendingReason,
    ]),
    [
      [0, 'PENDING', 'DEPENDENCY'],
      [1, 'PENDING', 'DEPENDENCY'],
    ],
  );
});

// Each bad input: status, error code, the field named, and a word of the rule in the message.
const BAD: [string, unknown, number, string, string | undefined, RegExp][] = [
  ['malformed JSON', '{"name": ', 400, 'BAD_REQUEST', undefined, /not valid JSON/],
  ['body is an array', [], 422, 'VALIDATION', '(body)', /object/],
  [
    'dependency cycle',
    {
      name: 'j',
      tasks: [
        { name: 'a', command: 'x', dependsOn: ['b'] },
        { name: 'b', command: 'x', dependsOn: ['a'] },
      ],
    },
    422,
    'VALIDATION',
    'tasks[0].dependsOn',
    /cycle/,
  ],
  [
    'unknown dependency',
    { name: 'j', tasks: [{ name: 'a', command: 'x', dependsOn: ['nope'] }] },
    422,
    'VALIDATION',
    'tasks[0].dependsOn[0]',
    /unknown task "nope"/,
  ],
  [
    'duplicate task name',
    {
      name: 'j',
      tasks: [
        { name: 'a', command: 'x' },
        { name: 'a', command: 'y' },
      ],
    },
    422,
    'VALIDATION',
    'tasks[1].name',
    /duplicate/,
  ],
  ['unknown job field', ok({ colour: 'red' }), 422, 'VALIDATION', 'colour', /^colour: unknown field/],
  [
    'unknown task field',
    { name: 'j', tasks: [{ name: 'a', command: 'x', cmd: 'y' }] },
    422,
    'VALIDATION',
    'tasks[0].cmd',
    /^tasks\[0\]\.cmd: unknown field/,
  ],
  [
    'wrong type',
    { name: 'j', tasks: [{ name: 'a', command: 'x', instances: '3' }] },
    422,
    'VALIDATION',
    'tasks[0].instances',
    /number/,
  ],
  [
    'zero instances',
    { name: 'j', tasks: [{ name: 'a', command: 'x', instances: 0 }] },
    422,
    'VALIDATION',
    'tasks[0].instances',
    /at least 1/,
  ],
  [
    'negative instances',
    { name: 'j', tasks: [{ name: 'a', command: 'x', instances: -4 }] },
    422,
    'VALIDATION',
    'tasks[0].instances',
    /at least 1/,
  ],
  [
    'empty command',
    { name: 'j', tasks: [{ name: 'a', command: '  ' }] },
    422,
    'VALIDATION',
    'tasks[0].command',
    /must not be empty/,
  ],
  [
    'missing command',
    { name: 'j', tasks: [{ name: 'a' }] },
    422,
    'VALIDATION',
    'tasks[0].command',
    /must not be empty/,
  ],
  ['no tasks', { name: 'j', tasks: [] }, 422, 'VALIDATION', 'tasks', /at least one/],
  ['missing name', { tasks: [{ name: 'a', command: 'x' }] }, 422, 'VALIDATION', 'name', /required/],
  [
    'unknown template',
    { name: 'j', tasks: [{ name: 'a', template: 'ghost' }] },
    422,
    'VALIDATION',
    'tasks[0].template',
    /unknown template "ghost"/,
  ],
  [
    'unknown environment',
    { name: 'j', tasks: [{ name: 'a', command: 'x', computeEnvironment: 'mars' }] },
    422,
    'VALIDATION',
    'tasks[0].computeEnvironment',
    /unknown compute environment "mars"/,
  ],
  [
    'reserved env name',
    { name: 'j', tasks: [{ name: 'a', command: 'x', env: { BATCH_JOB_ID: '1' } }] },
    422,
    'VALIDATION',
    'tasks[0].env.BATCH_JOB_ID',
    /reserved/,
  ],
  [
    'per instance, unequal counts',
    {
      name: 'j',
      tasks: [
        { name: 'a', command: 'x', instances: 2 },
        { name: 'b', command: 'x', instances: 3, dependsOn: [{ task: 'a', per: 'instance' }] },
      ],
    },
    422,
    'VALIDATION',
    'tasks[1].dependsOn[0]',
    /equal instance counts/,
  ],
  [
    'bad oss url',
    { name: 'j', tasks: [{ name: 'a', command: 'x', package: 'http://x/y.zip' }] },
    422,
    'VALIDATION',
    'tasks[0].package',
    /oss:\/\//,
  ],
  [
    'too many tasks (quota)',
    { name: 'j', tasks: Array.from({ length: 11 }, (_, i) => ({ name: `t${i}`, command: 'x' })) },
    403,
    'QUOTA_EXCEEDED',
    'tasks',
    /tasksPerJob.*10/,
  ],
  [
    'too many instances (quota)',
    { name: 'j', tasks: [{ name: 'a', command: 'x', instances: 101 }] },
    403,
    'QUOTA_EXCEEDED',
    'instances',
    /instancesPerTask.*100/,
  ],
  [
    'bad retryOn rule',
    { name: 'j', tasks: [{ name: 'a', command: 'x', retryOn: ['sometimes'] }] },
    422,
    'VALIDATION',
    'tasks[0].retryOn[0]',
    /exit:N/,
  ],
];

t.test('bad input gets a clear error naming the field and stores nothing', async (t) => {
  const api = await makeApi(t);
  for (const [what, body, status, code, field, message] of BAD) {
    const res = await api.request('POST', '/v1/jobs', body);
    t.equal(res.status, status, `${what}: status`);
    t.equal(res.body?.error?.code, code, `${what}: code`);
    if (field !== undefined) t.equal(res.body?.error?.field, field, `${what}: field`);
    t.match(res.body?.error?.message, message, `${what}: message`);
  }
  const [counts] = await api.store.rows<{ jobs: number; tasks: number; instances: number }>(
    sql`SELECT (SELECT count(*)::int FROM jobs) AS jobs, (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM instances) AS instances`,
  );
  t.same(counts, { jobs: 0, tasks: 0, instances: 0 }, 'nothing was stored');
  t.same(api.wakes, []);
});

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`a task no node of its environment can ever run is rejected at submit (${store})`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    await api.store.db.execute(sql`
      INSERT INTO nodes (id, environment_id, name, state, cpu, memory_mib, gpu, credential_hash, labels)
      SELECT 'n-1', id, 'n1', 'READY', 4, 8192, 0, 'x', '{"os":"linux"}'::jsonb FROM compute_environments WHERE name = 'local'`);
    const tooBig = await api.request('POST', '/v1/jobs', {
      name: 'j',
      tasks: [{ name: 'a', command: 'x', resources: { cpu: 64 } }],
    });
    t.equal(tooBig.status, 422);
    t.equal(tooBig.body.error.code, 'UNPLACEABLE');
    t.match(tooBig.body.error.message, /needs cpu 64.*largest node has cpu 4/);
    const wrongLabel = await api.request('POST', '/v1/jobs', {
      name: 'j',
      tasks: [{ name: 'a', command: 'x', nodeSelector: { os: 'windows' } }],
    });
    t.equal(wrongLabel.body.error.code, 'UNPLACEABLE');
    const fits = await api.request('POST', '/v1/jobs', {
      name: 'j',
      tasks: [{ name: 'a', command: 'x', resources: { cpu: 4 }, nodeSelector: { os: 'linux' } }],
    });
    t.equal(fits.status, 201);
  });
}

t.test('a task bigger than the local nodes an environment will make is rejected before any exists', async (t) => {
  const api = await makeApi(t);
  const env = await api.request('POST', '/v1/compute-environments', { name: 'grow', type: 'auto', provider: 'local' });
  t.equal(env.status, 201, JSON.stringify(env.body));
  const tooBig = await api.request('POST', '/v1/jobs', {
    name: 'j',
    tasks: [{ name: 'a', command: 'x', computeEnvironment: 'grow', resources: { cpu: availableParallelism() + 1 } }],
  });
  t.equal(tooBig.status, 422);
  t.equal(tooBig.body.error.code, 'UNPLACEABLE');
  t.match(
    tooBig.body.error.message,
    `made with cpu ${availableParallelism()}`,
    "the host's size, as its agents will offer",
  );
  const fits = await api.request('POST', '/v1/jobs', {
    name: 'j',
    tasks: [{ name: 'a', command: 'x', computeEnvironment: 'grow', resources: { cpu: 1 } }],
  });
  t.equal(fits.status, 201);
});

t.test('the same clientToken returns the same job', async (t) => {
  const api = await makeApi(t);
  const first = await api.request('POST', '/v1/jobs', ok({ clientToken: 'nightly-2026-11-27' }));
  const again = await api.request('POST', '/v1/jobs', ok({ clientToken: 'nightly-2026-11-27' }));
  t.equal(first.status, 201);
  t.equal(again.status, 200);
  t.equal(again.body.id, first.body.id);
  const list = await api.request('GET', '/v1/jobs');
  t.equal(list.body.items.length, 1);
});

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`a clientToken reused with a different spec is refused with 409 (${store})`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const spec = { name: 'nightly', clientToken: 'n-1', tasks: [{ name: 'a', command: 'echo a' }] };
    const first = await api.request('POST', '/v1/jobs', spec);
    t.equal(first.status, 201);

    // The same spec, its keys in another order.
    const same = await api.request('POST', '/v1/jobs', {
      tasks: [{ command: 'echo a', name: 'a' }],
      clientToken: 'n-1',
      name: 'nightly',
    });
    t.equal(same.status, 200);
    t.equal(same.body.id, first.body.id);

    const other = await api.request('POST', '/v1/jobs', { ...spec, tasks: [{ name: 'a', command: 'echo b' }] });
    t.equal(other.status, 409);
    t.equal(other.body.error.code, 'IDEMPOTENT_PARAMETER_MISMATCH');
    t.equal(other.body.error.field, 'clientToken');
    t.match(other.body.error.message, `clientToken "n-1" was used for job ${first.body.id} with a different spec`);
    t.equal((await api.request('GET', '/v1/jobs')).body.items.length, 1, 'nothing was stored');

    // A job stored before specs were hashed keeps the old behaviour: the token alone decides.
    await api.store.rows(sql`UPDATE jobs SET spec_hash = NULL`);
    const old = await api.request('POST', '/v1/jobs', { ...spec, tasks: [{ name: 'a', command: 'echo b' }] });
    t.equal(old.status, 200);
    t.equal(old.body.id, first.body.id);
  });
}

t.test('concurrent submits with one clientToken make one job (PostgreSQL: a real race)', async (t) => {
  const api = await makeApi(t, { databaseUrl: await freshDatabase(t) });
  const spec = {
    name: 'j',
    clientToken: 'race',
    tasks: [
      { name: 'a', command: 'x', instances: 3 },
      { name: 'b', command: 'y', dependsOn: ['a'] },
    ],
  };
  const results = await Promise.all(Array.from({ length: 6 }, () => api.request('POST', '/v1/jobs', spec)));
  t.same(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201]);
  t.equal(new Set(results.map((r) => r.body.id)).size, 1, 'every caller gets the same job');
  const [row] = await api.store.rows<{ jobs: number; tasks: number; instances: number }>(sql`
    SELECT (SELECT count(*)::int FROM jobs) AS jobs, (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM instances) AS instances`);
  t.same(row, { jobs: 1, tasks: 2, instances: 4 }, 'nothing of the losers was stored');
});

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`the submit response is the job as a read returns it (${store})`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    t.equal(
      (await api.request('POST', '/v1/templates', { name: 'tpl', command: 'echo $X', env: { X: '1' } })).status,
      201,
    );
    const res = await api.request('POST', '/v1/jobs', {
      name: 'shapes',
      priority: -3,
      clientToken: 'shapes-1',
      tasks: [
        { name: 'a', template: 'tpl', instances: 4, computeEnvironment: 'local' },
        { name: 'b', command: 'echo b', dependsOn: ['a'], instances: 2 },
        { name: 'c', command: 'echo c', dependsOn: ['a', 'b'] },
      ],
    });
    t.equal(res.status, 201);
    const got = await api.request('GET', `/v1/jobs/${res.body.id}`);
    t.same(res.body, got.body);
    t.match(res.body, {
      state: 'PENDING',
      counts: { PENDING: 7 },
      clientToken: 'shapes-1',
      tasks: [{ template: 'tpl', state: 'PENDING' }, { state: 'WAITING' }, { state: 'WAITING' }],
    });
  });
}

t.test('templates are merged under the task that names them', async (t) => {
  const api = await makeApi(t);
  const created = await api.request('POST', '/v1/templates', {
    name: 'hello',
    command: 'echo $GREETING',
    env: { GREETING: 'hi', X: '1' },
    timeoutSeconds: 60,
  });
  t.equal(created.status, 201);
  const dup = await api.request('POST', '/v1/templates', { name: 'hello', command: 'x' });
  t.equal(dup.status, 409);
  const job = await api.request('POST', '/v1/jobs', {
    name: 'j',
    tasks: [{ name: 'a', template: 'hello', env: { X: '2' } }],
  });
  t.equal(job.status, 201);
  t.equal(job.body.tasks[0].command, 'echo $GREETING');
  t.equal(job.body.tasks[0].template, 'hello');
  const [spec] = await api.store.rows<{ spec: Record<string, unknown> }>(sql`SELECT spec FROM tasks`);
  t.same(spec!.spec.env, { GREETING: 'hi', X: '2' });
  t.equal(spec!.spec.timeoutSeconds, 60);
});
