/** /v1/schedules through the HTTP app: validation at the boundary, the quota, scoping, commands. */
import t from 'tap';
import { freshDatabase } from '../support/postgres.js';
import { makeApi } from './api-harness.js';

const job = { name: 'nightly', tasks: [{ name: 'a', command: 'echo a' }] };
const schedule = (extra: object = {}) => ({ name: 'nightly', cron: '0 2 * * *', job, ...extra });

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: create, list, show, pause, resume, delete`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const created = await api.request('POST', '/v1/schedules', schedule({ timezone: 'Europe/Berlin' }));
    t.equal(created.status, 201, created.text);
    t.match(created.body, {
      name: 'nightly',
      owner: 'admin',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      overlap: 'skip',
      catchUp: 'none',
      paused: false,
      job,
      lastRunAt: null,
      runs: [],
    });
    t.equal(created.body.nextRuns.length, 5);
    t.equal(created.body.nextRunAt, created.body.nextRuns[0]);
    t.match(created.body.nextRunAt, /T0[01]:00:00.000Z$/, '2 am in Berlin');

    const again = await api.request('POST', '/v1/schedules', schedule());
    t.match(again, { status: 409, body: { error: { code: 'CONFLICT', field: 'name' } } });

    const list = await api.request('GET', '/v1/schedules');
    t.same(
      list.body.items.map((s: { name: string }) => s.name),
      ['nightly'],
    );

    const paused = await api.request('POST', '/v1/schedules/nightly/pause');
    t.match(paused.body, { paused: true, nextRunAt: null, nextRuns: [] });
    const resumed = await api.request('POST', '/v1/schedules/nightly/resume');
    t.match(resumed.body, { paused: false, nextRunAt: created.body.nextRunAt });

    t.equal((await api.request('DELETE', '/v1/schedules/nightly')).status, 204);
    t.equal((await api.request('GET', '/v1/schedules/nightly')).status, 404);
    t.equal((await api.request('DELETE', '/v1/schedules/nightly')).status, 404);
    // The quota slot came back: the same name can be created again.
    t.equal((await api.request('POST', '/v1/schedules', schedule())).status, 201);
  });
}

t.test('every field is checked at the boundary, and nothing half-written is stored', async (t) => {
  const api = await makeApi(t);
  const refused = async (body: object) => (await api.request('POST', '/v1/schedules', body)).body.error;
  t.match(await refused(schedule({ cron: '61 * * * *' })), { code: 'VALIDATION', field: 'cron' });
  t.match(await refused(schedule({ cron: '' })), { code: 'VALIDATION', field: 'cron' });
  t.match(await refused(schedule({ timezone: 'Nowhere/City' })), { code: 'VALIDATION', field: 'timezone' });
  t.match(await refused(schedule({ overlap: 'queue' })), { code: 'VALIDATION', field: 'overlap' });
  t.match(await refused(schedule({ catchUp: 'all' })), { code: 'VALIDATION', field: 'catchUp' });
  t.match(await refused(schedule({ name: 'bad name' })), { code: 'VALIDATION', field: 'name' });
  t.match(await refused(schedule({ every: 'day' })), { code: 'VALIDATION', field: 'every' });
  t.match(await refused(schedule({ job: { name: 'j', tasks: [] } })), { code: 'VALIDATION', field: 'job.tasks' });
  t.match(await refused(schedule({ job: { name: 'j', tasks: [{ name: 'a', template: 'missing' }] } })), {
    code: 'VALIDATION',
    field: 'job.tasks[0].template',
    message: 'job.tasks[0].template: unknown template "missing"',
  });
  t.match(await refused(schedule({ job: { ...job, clientToken: 'x' } })), { field: 'job.clientToken' });
  // The job is stored as given: the request's size limit bounds it.
  const big = await api.request(
    'POST',
    '/v1/schedules',
    schedule({ job: { ...job, description: 'x'.repeat(1 << 20) } }),
  );
  t.equal(big.status, 413);
  t.same((await api.request('GET', '/v1/schedules')).body.items, []);
});

t.test('a job naming a template is accepted when the template exists', async (t) => {
  const api = await makeApi(t);
  await api.request('POST', '/v1/templates', { name: 'hello', command: 'echo hello' });
  const res = await api.request(
    'POST',
    '/v1/schedules',
    schedule({ job: { name: 'j', tasks: [{ name: 'a', template: 'hello', env: { N: '1' } }] } }),
  );
  t.equal(res.status, 201, res.text);
});

t.test('the schedules quota holds under concurrent creates', async (t) => {
  const api = await makeApi(t);
  await api.request('PATCH', '/v1/users/admin', { quotas: { schedules: 3 } });
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => api.request('POST', '/v1/schedules', schedule({ name: `s${i}` }))),
  );
  t.equal(results.filter((r) => r.status === 201).length, 3);
  const refusal = results.find((r) => r.status !== 201)!;
  t.match(refusal, {
    status: 403,
    body: { error: { code: 'QUOTA_EXCEEDED', message: /quota "schedules" allows 3 schedules; you have 3/ } },
  });
  const users = await api.request('GET', '/v1/users');
  t.match(
    users.body.items.find((u: { name: string }) => u.name === 'admin'),
    { usage: { schedules: 3 } },
  );
});

t.test("a user sees and changes only their own schedules; an admin lists everyone's", async (t) => {
  const api = await makeApi(t);
  const bob = (await api.request('POST', '/v1/users', { name: 'bob' })).body.token as string;
  t.equal((await api.request('POST', '/v1/schedules', schedule(), bob)).status, 201);
  t.equal((await api.request('POST', '/v1/schedules', schedule())).status, 201, 'names are per owner');
  const own = await api.request('GET', '/v1/schedules', undefined, bob);
  t.same(
    own.body.items.map((s: { owner: string }) => s.owner),
    ['bob'],
  );
  t.equal((await api.request('GET', '/v1/schedules?owner=all', undefined, bob)).status, 403);
  const all = await api.request('GET', '/v1/schedules?owner=all&limit=1');
  t.equal(all.body.items.length, 1);
  const rest = await api.request('GET', `/v1/schedules?owner=all&limit=1&cursor=${all.body.next}`);
  t.same([...all.body.items, ...rest.body.items].map((s: { owner: string }) => s.owner).sort(), ['admin', 'bob']);
  t.equal((await api.request('DELETE', '/v1/schedules/nightly', undefined, bob)).status, 204);
  t.equal((await api.request('GET', '/v1/schedules/nightly')).status, 200, "bob's delete left admin's");
  t.equal((await api.request('GET', '/v1/schedules/nightly', undefined, null)).status, 401);
});
