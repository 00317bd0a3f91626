import t from 'tap';
import { makeApi } from './api-harness.js';

const job = { name: 'j', tasks: [{ name: 'a', command: 'echo a' }] };

t.test('every route but the probes and the OpenAPI document needs a valid bearer token', async (t) => {
  const api = await makeApi(t);
  t.equal((await api.request('GET', '/healthz', undefined, null)).status, 200);
  t.equal((await api.request('GET', '/v1/openapi.json', undefined, null)).status, 200);
  for (const [method, path] of [
    ['GET', '/v1/jobs'],
    ['POST', '/v1/jobs'],
    ['GET', '/v1/nodes'],
    ['GET', '/v1/templates'],
    ['GET', '/v1/compute-environments'],
    ['POST', '/v1/tokens'],
  ] as const) {
    const none = await api.request(method, path, undefined, null);
    t.equal(none.status, 401, `${method} ${path} without a token`);
    t.equal(none.body.error.code, 'UNAUTHENTICATED');
    const wrong = await api.request(method, path, undefined, 'bat_wrong');
    t.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
  }
});

t.test('users see only their own jobs and templates', async (t) => {
  const api = await makeApi(t);
  const alice = await api.request('POST', '/v1/users', { name: 'alice' });
  t.equal(alice.status, 201);
  t.match(alice.body, { user: { name: 'alice', admin: false }, token: /^bat_/ });
  const bob = await api.request('POST', '/v1/users', { name: 'bob' });
  const a = alice.body.token as string;
  const b = bob.body.token as string;

  const submitted = await api.request('POST', '/v1/jobs', job, a);
  t.equal(submitted.status, 201);
  t.equal(submitted.body.owner, 'alice');
  const id = submitted.body.id as string;

  t.equal((await api.request('GET', `/v1/jobs/${id}`, undefined, b)).status, 404, 'bob cannot see it');
  t.equal((await api.request('POST', `/v1/jobs/${id}/stop`, undefined, b)).status, 404, 'bob cannot stop it');
  t.equal((await api.request('DELETE', `/v1/jobs/${id}`, undefined, b)).status, 404, 'bob cannot delete it');
  t.same((await api.request('GET', '/v1/jobs', undefined, b)).body.items, [], 'bob lists nothing');
  t.equal((await api.request('GET', '/v1/jobs', undefined, a)).body.items.length, 1);
  t.equal((await api.request('GET', `/v1/jobs/${id}`)).status, 200, 'the admin can');
  t.equal((await api.request('GET', '/v1/jobs?owner=all', undefined, b)).status, 403);

  await api.request('POST', '/v1/templates', { name: 'mine', command: 'x' }, a);
  t.equal((await api.request('GET', '/v1/templates/mine', undefined, b)).status, 404);
  const bobJob = await api.request('POST', '/v1/jobs', { name: 'j', tasks: [{ name: 'a', template: 'mine' }] }, b);
  t.equal(bobJob.status, 422, "bob cannot use alice's template");

  t.equal((await api.request('POST', '/v1/users', { name: 'eve' }, a)).status, 403, 'only an admin creates users');
  t.equal(
    (await api.request('POST', '/v1/compute-environments/local/tokens', undefined, a)).status,
    403,
    "only the local env's owner mints tokens",
  );
  const own = await api.request('POST', '/v1/tokens', { name: 'laptop' }, a);
  t.equal(own.status, 201);
  t.equal(
    (await api.request('GET', '/v1/jobs', undefined, own.body.token)).body.items.length,
    1,
    'a new token acts as its user',
  );
});

t.test('stop and delete follow the job lifecycle', async (t) => {
  const api = await makeApi(t);
  const submitted = await api.request('POST', '/v1/jobs', {
    name: 'j',
    tasks: [{ name: 'a', command: 'x', instances: 3 }],
  });
  const id = submitted.body.id as string;
  const early = await api.request('DELETE', `/v1/jobs/${id}`);
  t.equal(early.status, 409);
  t.match(early.body.error.message, /stop it first/);
  const stopped = await api.request('POST', `/v1/jobs/${id}/stop`);
  t.equal(stopped.status, 200);
  t.same(stopped.body.counts, { STOPPED: 3 }, 'pending instances stop at once');
  t.same(api.wakes, ['job-submitted', 'job-stopped']);
  const again = await api.request('POST', `/v1/jobs/${id}/stop`);
  t.equal(again.status, 200, 'stopping a finished job is no error (as TerminateJob): stop JOB && delete JOB works');
  t.same(again.body, stopped.body, 'the job is answered unchanged');
  t.same(api.wakes, ['job-submitted', 'job-stopped'], 'and nothing was asked of the scheduler');
  t.equal((await api.request('DELETE', `/v1/jobs/${id}`)).status, 204);
});

t.test('pagination of jobs and instances', async (t) => {
  const api = await makeApi(t);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await api.request('POST', '/v1/jobs', { ...job, name: `j${i}` })).body.id);
  const page1 = await api.request('GET', '/v1/jobs?limit=2');
  t.same(
    page1.body.items.map((j: { name: string }) => j.name),
    ['j4', 'j3'],
  );
  t.ok(page1.body.next);
  const page2 = await api.request('GET', `/v1/jobs?limit=2&cursor=${page1.body.next}`);
  t.same(
    page2.body.items.map((j: { name: string }) => j.name),
    ['j2', 'j1'],
  );
  const page3 = await api.request('GET', `/v1/jobs?limit=2&cursor=${page2.body.next}`);
  t.same(
    page3.body.items.map((j: { name: string }) => j.name),
    ['j0'],
  );
  t.notOk(page3.body.next);
  t.equal((await api.request('GET', '/v1/jobs?limit=0')).status, 422);

  const big = await api.request('POST', '/v1/jobs', {
    name: 'big',
    tasks: [{ name: 'a', command: 'x', instances: 7 }],
  });
  const i1 = await api.request('GET', `/v1/jobs/${big.body.id}/tasks/a/instances?limit=4`);
  t.same(
    i1.body.items.map((i: { index: number }) => i.index),
    [0, 1, 2, 3],
  );
  const i2 = await api.request('GET', `/v1/jobs/${big.body.id}/tasks/a/instances?limit=4&cursor=${i1.body.next}`);
  t.same(
    i2.body.items.map((i: { index: number }) => i.index),
    [4, 5, 6],
  );
  t.equal((await api.request('GET', `/v1/jobs/${big.body.id}/tasks/nope/instances`)).status, 404);
});

t.test('the OpenAPI document lists the resources', async (t) => {
  const api = await makeApi(t);
  const doc = await api.request('GET', '/v1/openapi.json');
  t.equal(doc.body.openapi, '3.1.0');
  for (const path of [
    '/v1/jobs',
    '/v1/jobs/{id}',
    '/v1/jobs/{id}/stop',
    '/v1/jobs/{id}/tasks/{task}/instances/{index}/logs',
    '/v1/templates',
    '/v1/nodes',
    '/v1/compute-environments',
    '/metrics',
  ]) {
    t.ok(doc.body.paths[path], path);
  }
  for (const open of ['/healthz', '/readyz', '/v1/openapi.json'])
    t.same(doc.body.paths[open].get.security, [], `${open} is listed as needing no token`);
  t.same(
    doc.body.paths['/v1/jobs'].post.requestBody.content['application/json'].schema,
    { $ref: '#/components/schemas/JobSpec' },
    'the job spec is a named component',
  );
  t.ok(doc.body.components.schemas.JobSpec.properties.tasks, 'the component has the spec');
});

t.test("an admin changes a user's quotas; the new limits apply at once", async (t) => {
  const api = await makeApi(t);
  const alice = (await api.request('POST', '/v1/users', { name: 'alice' })).body.token as string;
  const tooMany = { name: 'j', tasks: [{ name: 'a', command: 'x', instances: 150 }] };
  t.equal((await api.request('POST', '/v1/jobs', tooMany, alice)).status, 403);
  t.equal(
    (await api.request('PATCH', '/v1/users/alice', { quotas: { instancesPerTask: 200 } }, alice)).status,
    403,
    'not by herself',
  );
  const patched = await api.request('PATCH', '/v1/users/alice', {
    quotas: { instancesPerTask: 200, runningInstances: 1000 },
  });
  t.equal(patched.status, 200);
  t.match(patched.body.quotas, { instancesPerTask: 200, runningInstances: 1000, tasksPerJob: 10 });
  t.equal((await api.request('POST', '/v1/jobs', tooMany, alice)).status, 201);
  const bad = await api.request('PATCH', '/v1/users/alice', { quotas: { instancesPerTask: 0 } });
  t.equal(bad.status, 422);
  t.equal(bad.body.error.field, 'quotas.instancesPerTask');
  t.equal((await api.request('PATCH', '/v1/users/nobody', { quotas: {} })).status, 404);
});

t.test('nodes are listed in pages', async (t) => {
  const api = await makeApi(t);
  const { sql } = await import('drizzle-orm');
  await api.store.db.execute(sql`
    INSERT INTO nodes (id, environment_id, name, state, cpu, memory_mib, gpu, credential_hash)
    SELECT 'n-' || g, id, 'node' || g, 'READY', 2, 1024, 0, 'x' FROM compute_environments, generate_series(1, 3) g WHERE name = 'local'`);
  const first = await api.request('GET', '/v1/nodes?limit=2');
  t.same(
    first.body.items.map((n: { id: string }) => n.id),
    ['n-1', 'n-2'],
  );
  t.equal(first.body.next, 'n-2');
  const second = await api.request('GET', `/v1/nodes?limit=2&cursor=${first.body.next}`);
  t.same(
    second.body.items.map((n: { id: string }) => n.id),
    ['n-3'],
  );
  t.notOk(second.body.next);
  t.equal((await api.request('GET', '/v1/nodes/n-3')).body.name, 'node3');
});
