/** GET /v1/jobs filters: states, name, owner (admins for others), since; over PGlite and PostgreSQL. */
import t from 'tap';
import { ADMIN, makeApi } from './api-harness.js';
import { freshDatabase } from '../support/postgres.js';

const spec = (name: string) => ({ name, tasks: [{ name: 'a', command: 'x' }] });
const names = (body: { items: { name: string }[] }) => body.items.map((j) => j.name);

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: jobs are filtered by state, name, owner and creation time`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const alice = (await api.request('POST', '/v1/users', { name: 'alice' })).body.token as string;
    const bob = (await api.request('POST', '/v1/users', { name: 'bob' })).body.token as string;
    for (const name of ['Nightly-render', 'nightly_100%', 'daily'])
      await api.request('POST', '/v1/jobs', spec(name), alice);
    await api.request('POST', '/v1/jobs', spec('nightly-bob'), bob);
    const stopped = (await api.request('POST', '/v1/jobs', spec('stopped-one'), alice)).body.id as string;
    await api.request('POST', `/v1/jobs/${stopped}/stop`, undefined, alice);

    const get = async (query: string, token: string | undefined = alice) =>
      api.request('GET', `/v1/jobs?${query}`, undefined, token);
    t.same(names((await get('name=NIGHTLY')).body), ['nightly_100%', 'Nightly-render'], 'substring, any case');
    t.same(names((await get('name=100%25')).body), ['nightly_100%'], '% matches itself');
    t.same(names((await get('name=y_')).body), ['nightly_100%'], '_ matches itself');
    t.same(names((await get('state=STOPPED')).body), ['stopped-one']);
    t.same(
      names((await get('state=STOPPED,PENDING')).body),
      ['stopped-one', 'daily', 'nightly_100%', 'Nightly-render'],
      'comma list',
    );
    t.same(
      names((await get('state=STOPPED&state=PENDING&name=LY')).body),
      ['daily', 'nightly_100%', 'Nightly-render'],
      'repeated, with a name',
    );
    t.equal((await get('since=2000-01-01T00:00:00Z')).body.items.length, 4);
    t.same((await get(`since=${new Date(Date.now() + 60_000).toISOString()}`)).body.items, []);

    t.same(names((await get('owner=bob', ADMIN)).body), ['nightly-bob'], 'an admin lists one user');
    t.equal((await get('owner=all', ADMIN)).body.items.length, 5);
    t.equal((await get('owner=alice')).body.items.length, 4, 'anyone may name themselves');
    const forbidden = await get('owner=bob');
    t.equal(forbidden.status, 403);
    t.equal(forbidden.body.error.field, 'owner');
    t.match(forbidden.body.error.message, /only an admin may list other users' jobs/);

    for (const [query, field] of [
      ['state=DONE', 'state'],
      ['since=yesterday', 'since'],
      ['since=2026-11-30', 'since'],
      [`name=${'x'.repeat(129)}`, 'name'],
    ] as const) {
      const refused = await get(query);
      t.equal(refused.status, 422, query);
      t.equal(refused.body.error.field, field, query);
    }
  });
}

t.test('the OpenAPI document lists the filters of GET /v1/jobs', async (t) => {
  const api = await makeApi(t);
  const doc = (await api.request('GET', '/v1/openapi.json')).body;
  const params = (doc.paths['/v1/jobs'].get.parameters as { name: string }[]).map((p) => p.name);
  t.same(params.sort(), ['cursor', 'limit', 'name', 'owner', 'since', 'state']);
});
