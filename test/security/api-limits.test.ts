/**
 * The API side of a hostile tenant (docs/security.md): input that cannot be stored or shown is
 * refused with the field named and nothing kept; bodies over the limit are refused before they
 * are read; quotas hold under concurrent requests; access can be taken back at once; what a
 * peer sends never reaches the controller's log. PGlite, and PostgreSQL for the races.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { errorText, type Logger } from '../../controller/log.js';
import { MAX_LABELS, MAX_REQUEST_BYTES } from '../../protocol/limits.js';
import { makeApi, type Api } from '../controller/api-harness.js';
import { freshDatabase } from '../support/postgres.js';

const spec = (overrides: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => ({
  name: 'j',
  tasks: [{ name: 'a', command: 'echo hi', ...task }],
  ...overrides,
});

async function jobCount(api: Api): Promise<number> {
  return (await api.store.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM jobs`))[0]!.n;
}

/** A logger that keeps every line, to grep. */
function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const keep = (m: string) => void lines.push(m);
  return { log: { debug: keep, info: keep, warn: keep, error: keep }, lines };
}

async function userToken(api: Api, name: string, quotas: Record<string, number> = {}): Promise<string> {
  const created = await api.request('POST', '/v1/users', { name });
  if (Object.keys(quotas).length > 0) await api.request('PATCH', `/v1/users/${name}`, { quotas });
  return created.body.token as string;
}

t.test('NUL, lone surrogates and control characters are refused with the field, nothing stored', async (t) => {
  const { log, lines } = capture();
  const api = await makeApi(t, { log });
  const secret = 'hunter2-secret-value';
  const cases: [string, unknown, string][] = [
    ['a NUL in a job name', spec({ name: 'a\u0000b' }), 'name'],
    ['a NUL in an env value', spec({}, { env: { DB_PASSWORD: `${secret}\u0000` } }), 'tasks[0].env.DB_PASSWORD'],
    ['a lone surrogate in a command', spec({}, { command: 'echo \ud800' }), 'tasks[0].command'],
    ['an escape in a clientToken', spec({ clientToken: 'x\u001b[2J' }), 'clientToken'],
    ['a NUL in an env name', spec({}, { env: { 'A\u0000': 'x' } }), 'tasks[0].env.A\u0000'],
  ];
  for (const [what, body, field] of cases) {
    const res = await api.request('POST', '/v1/jobs', body);
    t.equal(res.status, 422, what);
    t.equal(res.body.error.field, field, `${what}: names the field`);
  }
  t.equal(await jobCount(api), 0, 'nothing stored');
  const template = await api.request('POST', '/v1/templates', { name: 'ok', command: 'x\u0000' });
  t.equal(template.status, 422);
  const token = await api.request('POST', '/v1/tokens', { name: 'laptop\u0007' });
  t.equal(token.status, 422);
  t.equal(token.body.error.field, 'name');
  const path = await api.request('GET', '/v1/jobs/%00');
  t.equal(path.status, 422, 'a NUL in the path');
  const query = await api.request('GET', '/v1/jobs?state=%00');
  t.equal(query.status, 422, 'a NUL in a query parameter');
  t.notOk(
    lines.some((l) => l.includes(secret)),
    'the refused values never reach the log',
  );
});

t.test('a body over the limit is refused with 413 before it is read', async (t) => {
  const api = await makeApi(t);
  const big = JSON.stringify(spec({ description: 'x'.repeat(MAX_REQUEST_BYTES) }));
  const declared = await api.rawRequest('POST', '/v1/jobs', big, undefined, { 'content-type': 'application/json' });
  t.equal(declared.status, 413);
  t.match(JSON.parse(declared.text), { error: { code: 'TOO_LARGE' } });
  t.equal(await jobCount(api), 0);
  const stranger = await api.rawRequest('POST', '/v1/jobs', big, 'bat_not-a-token', {
    'content-type': 'application/json',
  });
  t.equal(stranger.status, 401, 'without a valid token, refused before the size is even considered');
  t.equal((await api.request('POST', '/v1/jobs', spec())).status, 201, 'a normal body still works');
});

t.test('mounts, labels and sizes have limits', async (t) => {
  const api = await makeApi(t);
  const mount = (m: Record<string, unknown>) => spec({}, { mounts: [{ type: 'cfs', source: 'h:/x', ...m }] });
  for (const target of ['relative/dir', '/', '/etc', '/usr/local/x', '/mnt/../etc', 'C:\\Windows\\x']) {
    const res = await api.request('POST', '/v1/jobs', mount({ target }));
    t.equal(res.status, 422, `target ${target}`);
    t.equal(res.body.error.field, 'tasks[0].mounts[0].target');
  }
  const disk = await api.request(
    'POST',
    '/v1/jobs',
    mount({ type: 'disk', source: '/dev/sda', target: '/', formatIfEmpty: true }),
  );
  t.equal(disk.status, 422, 'disk /dev/sda onto / with formatIfEmpty');
  t.equal(
    (await api.request('POST', '/v1/jobs', mount({ target: '/mnt/share' }))).status,
    201,
    'a sane target is fine',
  );

  const labels = Object.fromEntries(Array.from({ length: MAX_LABELS + 1 }, (_, i) => [`k${i}`, 'v']));
  t.equal((await api.request('POST', '/v1/jobs', spec({}, { nodeSelector: labels }))).status, 422, 'too many labels');
  const longValue = await api.request('POST', '/v1/jobs', spec({}, { nodeSelector: { zone: 'z'.repeat(300) } }));
  t.equal(longValue.status, 422, 'a label value too long');
  const env = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`V${i}`, 'x']));
  t.equal((await api.request('POST', '/v1/jobs', spec({}, { env }))).status, 422, 'too many env vars');
  const env2 = await api.request('POST', '/v1/compute-environments', { name: 'huge', desiredNodes: 1_000_000 });
  t.equal(env2.status, 403, 'desiredNodes over the nodesPerEnvironment quota');
  t.match(env2.body.error.message, /nodesPerEnvironment/);
});

t.test('PostgreSQL: quotas hold under concurrent requests', async (t) => {
  const api = await makeApi(t, { databaseUrl: await freshDatabase(t) });
  const token = await userToken(api, 'racer', { jobs: 3, computeEnvironments: 2 });
  const submits = await Promise.all(
    Array.from({ length: 30 }, (_, i) => api.request('POST', '/v1/jobs', spec({ name: `j${i}` }), token)),
  );
  t.equal(submits.filter((r) => r.status === 201).length, 3, '3 of 30 concurrent submits get through');
  t.ok(
    submits.filter((r) => r.status !== 201).every((r) => r.status === 403 && /quota "jobs"/.test(r.body.error.message)),
    'the others are refused by the jobs quota',
  );
  t.equal(await jobCount(api), 3, 'exactly 3 stored');
  const creates = await Promise.all(
    Array.from({ length: 20 }, (_, i) => api.request('POST', '/v1/compute-environments', { name: `e${i}` }, token)),
  );
  t.equal(creates.filter((r) => r.status === 201).length, 2, '2 of 20 concurrent environment creates');
  const [envs] = await api.store.rows<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM compute_environments e JOIN users u ON u.id = e.owner_id WHERE u.name = 'racer'`,
  );
  t.equal(envs!.n, 2);
  // Deleting a job gives its place back.
  const done = submits.find((r) => r.status === 201)!.body.id as string;
  await api.store.db.execute(sql`UPDATE jobs SET state = 'SUCCEEDED' WHERE id = ${done}`);
  t.equal((await api.request('DELETE', `/v1/jobs/${done}`, undefined, token)).status, 204);
  t.equal((await api.request('POST', '/v1/jobs', spec({ name: 'after' }), token)).status, 201);
});

t.test('taking access back: revoked, expired and disabled tokens stop at once; audited', async (t) => {
  const api = await makeApi(t);
  const token = await userToken(api, 'leaver');
  const second = await api.request('POST', '/v1/tokens', { name: 'ci', ttlSeconds: 3600 }, token);
  t.equal(second.status, 201);
  t.ok(second.body.expiresAt, 'an expiry is shown');
  const listed = await api.request('GET', '/v1/tokens', undefined, token);
  t.same(
    listed.body.items.map((i: { name: string }) => i.name),
    ['initial', 'ci'],
  );
  t.notOk(listed.text.includes(second.body.token as string), 'the token itself is never listed');

  t.equal((await api.request('DELETE', `/v1/tokens/${second.body.id}`, undefined, token)).status, 204);
  t.equal((await api.request('GET', '/v1/jobs', undefined, second.body.token)).status, 401, 'revoked: refused at once');

  const third = await api.request('POST', '/v1/tokens', { name: 'short', ttlSeconds: 60 }, token);
  await api.store.db.execute(
    sql`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${third.body.id}`,
  );
  const expired = await api.request('GET', '/v1/jobs', undefined, third.body.token);
  t.equal(expired.status, 401);
  t.match(expired.body.error.message, /expired/);

  t.equal((await api.request('POST', '/v1/users/leaver/disable')).status, 200);
  const disabled = await api.request('GET', '/v1/jobs', undefined, token);
  t.equal(disabled.status, 401);
  t.match(disabled.body.error.message, /disabled/);
  t.equal((await api.request('POST', '/v1/users/leaver/enable')).status, 200);
  t.equal((await api.request('GET', '/v1/jobs', undefined, token)).status, 200, 'enabled again');

  const other = await userToken(api, 'bystander');
  t.equal(
    (await api.request('DELETE', `/v1/tokens/${listed.body.items[0].id}`, undefined, other)).status,
    404,
    "another user's token cannot be revoked",
  );
  t.equal((await api.request('GET', '/v1/audit', undefined, token)).status, 403, 'the audit log is for admins');

  for (let i = 0; i < 10; i++) await api.request('GET', '/v1/jobs', undefined, 'bat_not-a-token-at-all');
  const audit = await api.request('GET', '/v1/audit');
  const actions = audit.body.items.map((e: { action: string }) => e.action);
  for (const action of ['user.created', 'token.created', 'token.revoked', 'user.disabled', 'user.enabled'])
    t.ok(actions.includes(action), `${action} is audited`);
  t.ok(
    actions.filter((a: string) => a === 'token.refused').length <= 2,
    'refused tokens are aggregated per address and minute, not a row each',
  );
});

t.test('deleting a user refuses while they have unfinished work, unless forced', async (t) => {
  const api = await makeApi(t);
  const token = await userToken(api, 'busy');
  const job = await api.request('POST', '/v1/jobs', spec(), token);
  t.equal(job.status, 201);
  const refused = await api.request('DELETE', '/v1/users/busy');
  t.equal(refused.status, 409);
  t.match(refused.body.error.message, /unfinished/);
  t.equal((await api.request('DELETE', '/v1/users/busy?force=true')).status, 204);
  t.equal((await api.request('GET', '/v1/jobs', undefined, token)).status, 401, 'their tokens are gone');
  t.equal(await jobCount(api), 0, 'their jobs are gone');
  t.equal((await api.request('DELETE', '/v1/users/admin')).status, 409, 'an admin cannot delete themselves');
});

t.test("an attempt's upload URL stops working when the attempt ends", async (t) => {
  const api = await makeApi(t);
  const job = await api.request('POST', '/v1/jobs', spec());
  // An attempt as the scheduler would have made it, on a node of the local environment.
  const [instance] = await api.store.rows<{ id: number }>(sql`SELECT id FROM instances WHERE job_id = ${job.body.id}`);
  await api.store.db.execute(sql`
    INSERT INTO attempts (id, instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu)
    VALUES (9001, ${instance!.id}, ${job.body.id}, 1, 'n-1', 'RUNNING', 1, 0, 0)`);
  const url = new URL(await api.objects.signPut('outputs', 'result.txt', 900, 9001));
  const put = () => api.rawRequest('PUT', `${url.pathname}${url.search}`, 'data');
  t.equal((await put()).status, 200, 'while the attempt runs');
  await api.store.db.execute(sql`UPDATE attempts SET state = 'SUCCEEDED' WHERE id = 9001`);
  const late = await put();
  t.equal(late.status, 403, 'after it ended: refused, though the URL has not expired');
  t.match(late.text, /has ended/);
  const moved = new URL(url);
  moved.searchParams.set('attempt', '9002');
  t.equal((await api.rawRequest('PUT', `${moved.pathname}${moved.search}`, 'x')).status, 403, 'the attempt is signed');
});

t.test('the log tells a failed query by its SQL and cause, never its parameters', async (t) => {
  const cause = new Error('duplicate key value violates unique constraint "x"');
  const failed = Object.assign(new Error('Failed query: insert into t values ($1)\nparams: hunter2'), {
    query: 'insert into t values ($1)',
    params: ['hunter2'],
    cause,
  });
  const text = errorText(failed);
  t.match(text, /query failed: duplicate key .* \(in: insert into t values \(\$1\)\)/);
  t.notMatch(text, 'hunter2');
});
