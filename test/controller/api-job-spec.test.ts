import t from 'tap';
import { makeApi } from './api-harness.js';

t.test("a job's spec reads back as submitted, to its owner and admins only", async (t) => {
  const api = await makeApi(t);
  const alice = (await api.request('POST', '/v1/users', { name: 'alice' })).body.token as string;
  const bob = (await api.request('POST', '/v1/users', { name: 'bob' })).body.token as string;
  const posted = {
    name: 'render',
    tasks: [
      { name: 'a', command: 'echo a', env: { QUALITY: 'high' } },
      { name: 'b', command: 'echo b', instances: 3, dependsOn: ['a'] },
    ],
  };
  const job = await api.request('POST', '/v1/jobs', posted, alice);
  t.equal(job.status, 201);

  const spec = await api.request('GET', `/v1/jobs/${job.body.id}/spec`, undefined, alice);
  t.equal(spec.status, 200);
  t.same(spec.body, { ...posted, priority: 0 }, 'what was posted, field for field, and the default priority');
  t.equal((await api.request('GET', `/v1/jobs/${job.body.id}/spec`)).status, 200, 'an admin reads it');

  const other = await api.request('GET', `/v1/jobs/${job.body.id}/spec`, undefined, bob);
  t.equal(other.status, 404, "another user's job is not found, not forbidden");
  t.equal(other.body.error.code, 'NOT_FOUND');
  t.equal((await api.request('GET', '/v1/jobs/j-missing/spec', undefined, alice)).status, 404);
});
