import { createHash } from 'node:crypto';
import t from 'tap';
import { makeApi } from './api-harness.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

t.test('objects go up and down through /v1/oss, and buckets belong to their first user', async (t) => {
  const api = await makeApi(t);
  const alice = (await api.request('POST', '/v1/users', { name: 'alice' })).body.token as string;
  const bob = (await api.request('POST', '/v1/users', { name: 'bob' })).body.token as string;

  const put = await api.rawRequest('PUT', '/v1/oss/batch-input-1/gx-test/hello.py', 'print("hello")\n', alice, {
    'x-batch-sha256': sha('print("hello")\n'),
  });
  t.equal(put.status, 201, put.text);
  t.match(JSON.parse(put.text), {
    url: 'oss://batch-input-1/gx-test/hello.py',
    size: 15,
    sha256: sha('print("hello")\n'),
  });

  const got = await api.rawRequest('GET', '/v1/oss/batch-input-1/gx-test/hello.py', undefined, alice);
  t.equal(got.text, 'print("hello")\n');
  const list = await api.request('GET', '/v1/oss/batch-input-1?prefix=gx-test/', undefined, alice);
  t.same(
    list.body.items.map((i: { url: string }) => i.url),
    ['oss://batch-input-1/gx-test/hello.py'],
  );
  t.same(
    (await api.request('GET', '/v1/oss', undefined, alice)).body.items.map((b: { name: string }) => b.name),
    ['batch-input-1'],
  );

  t.equal(
    (await api.rawRequest('GET', '/v1/oss/batch-input-1/gx-test/hello.py', undefined, bob)).status,
    403,
    "bob cannot read alice's bucket",
  );
  t.equal((await api.rawRequest('PUT', '/v1/oss/batch-input-1/x', 'x', bob)).status, 403, 'nor write it');
  t.same((await api.request('GET', '/v1/oss', undefined, bob)).body.items, []);
  const bobJob = await api.request(
    'POST',
    '/v1/jobs',
    { name: 'j', tasks: [{ name: 'a', command: 'x', package: 'oss://batch-input-1/gx-test/hello.zip' }] },
    bob,
  );
  t.equal(bobJob.status, 403, "a job cannot name another user's bucket");
  t.equal(bobJob.body.error.field, 'tasks[0].package');
  t.equal((await api.rawRequest('GET', '/v1/oss/batch-input-1/gx-test/hello.py')).status, 200, 'an admin can');

  const bad = await api.rawRequest('PUT', '/v1/oss/batch-input-1/corrupt.bin', 'tampered', alice, {
    'x-batch-sha256': sha('original'),
  });
  t.equal(bad.status, 400);
  t.match(bad.text, /sha256/);
  t.equal(
    (await api.rawRequest('GET', '/v1/oss/batch-input-1/corrupt.bin', undefined, alice)).status,
    404,
    'nothing kept',
  );
  t.equal((await api.rawRequest('PUT', '/v1/oss/Bad_Bucket/x', 'x', alice)).status, 422, 'bucket names are checked');
});

t.test('a job naming a new bucket claims it; staged paths must stay in the work dir', async (t) => {
  const api = await makeApi(t);
  const job = await api.request('POST', '/v1/jobs', {
    name: 'j',
    tasks: [
      {
        name: 'a',
        command: 'x',
        stdout: 'oss://logs-bucket/out/',
        inputs: { 'oss://in-bucket/data/': 'input/' },
        outputs: { 'output/': 'oss://out-bucket/results/' },
      },
    ],
  });
  t.equal(job.status, 201, job.text);
  t.same(
    (await api.request('GET', '/v1/oss')).body.items.map((b: { name: string }) => b.name),
    ['in-bucket', 'logs-bucket', 'out-bucket'],
  );
  for (const [what, task, field] of [
    ['input escaping the work dir', { inputs: { 'oss://b-1/x': '../x' } }, 'tasks[0].inputs["oss://b-1/x"]'],
    ['prefix into a file', { inputs: { 'oss://b-1/dir/': 'file' } }, 'tasks[0].inputs["oss://b-1/dir/"]'],
    ['absolute output', { outputs: { '/etc/': 'oss://b-1/o/' } }, 'tasks[0].outputs["/etc/"]'],
  ] as const) {
    const res = await api.request('POST', '/v1/jobs', { name: 'j', tasks: [{ name: 'a', command: 'x', ...task }] });
    t.equal(res.status, 422, what);
    t.equal(res.body.error.field, field, what);
  }
});
