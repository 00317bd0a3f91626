/** `submitJob` through the SDK against the real app: whether it created the job, and a reused token. */
import t from 'tap';
import { ApiRequestError, BatchClient } from '../../sdk/index.js';
import { ADMIN, makeApi } from './api-harness.js';

t.test('submitJob says whether it created the job; the result is still exactly the job', async (t) => {
  const api = await makeApi(t);
  const client = new BatchClient({ url: 'http://controller.test', token: ADMIN, fetch: api.fetch });
  const spec = { name: 'nightly', clientToken: 'n-1', tasks: [{ name: 'a', command: 'echo a' }] };

  const first = await client.submitJob(spec);
  t.equal(first.created, true);
  const again = await client.submitJob(spec);
  t.equal(again.created, false);
  t.equal(again.id, first.id);
  t.equal((await client.submitJob({ name: 'plain', tasks: [{ name: 'a', command: 'true' }] })).created, true);

  // Printing or serializing the result gives the API's job, as before `created` existed.
  const read = await client.getJob(first.id);
  t.same(JSON.parse(JSON.stringify(again)), read);
  t.notOk(Object.keys(again).includes('created'));

  const error = await client.submitJob({ ...spec, tasks: [{ name: 'a', command: 'echo b' }] }).catch((e: unknown) => e);
  t.ok(error instanceof ApiRequestError);
  t.match(error, { status: 409, code: 'IDEMPOTENT_PARAMETER_MISMATCH', field: 'clientToken' });
  t.match((error as Error).message, /clientToken "n-1"/);
});
