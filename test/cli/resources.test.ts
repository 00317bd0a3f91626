import t from 'tap';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { environment, failedAttempt, instance, node, template } from '../support/api-fixtures.js';
import { EXAMPLES, runBatchctl } from '../support/batchctl.js';

const calls = (server: { requests: { method: string; path: string; body: string }[] }) =>
  server.requests.map((r) => [`${r.method} ${r.path}`, r.body === '' ? undefined : JSON.parse(r.body)]);

t.test('templates create fails on a taken name unless --replace, which PUTs it', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/templates', {
    status: 409,
    json: { error: { code: 'CONFLICT', message: 'template "batch-hello" already exists' } },
  });
  server.route('PUT /v1/templates/batch-hello', { json: template() });
  const file = join(EXAMPLES, 'batch-hello.yaml');

  const refused = await runBatchctl(['templates', 'create', '-f', file], { url: server.url });
  t.equal(refused.code, 1);
  t.equal(refused.stderr, 'batchctl: template "batch-hello" already exists\n');
  t.equal(server.requestsTo('PUT /v1/templates/batch-hello').length, 0, 'no automatic replace');

  const replaced = await runBatchctl(['templates', 'create', '-f', file, '--replace'], { url: server.url });
  t.equal(replaced.code, 0, replaced.stderr);
  t.equal(replaced.stdout, 'replaced template batch-hello\n');
  const [post, put] = server.requests.slice(1);
  t.same(JSON.parse(put!.body), JSON.parse(post!.body), 'the PUT sends the same spec');
  t.equal(
    JSON.parse(put!.body).command,
    'echo "$GREETING from instance $BATCH_INSTANCE_INDEX of $BATCH_INSTANCE_COUNT on $BATCH_NODE_ID"',
  );
});

t.test('templates create, list, show and delete', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/templates', { status: 201, json: template() });
  server.route('GET /v1/templates', { json: { items: [template()] } });
  server.route('GET /v1/templates/batch-hello', { json: template() });
  server.route('DELETE /v1/templates/batch-hello', { status: 204 });

  const created = await runBatchctl(['templates', 'create', '-f', join(EXAMPLES, 'batch-hello.yaml'), '--json'], {
    url: server.url,
  });
  t.same(JSON.parse(created.stdout), template());
  const list = await runBatchctl(['templates', 'list'], { url: server.url });
  t.match(list.stdout, /^NAME\s+COMMAND\s+DESCRIPTION\s+OWNER\s+UPDATED\nbatch-hello\s+echo hello\s+admin\s+/);
  const listJson = await runBatchctl(['templates', 'list', '--json'], { url: server.url });
  t.same(JSON.parse(listJson.stdout), { items: [template()] });
  const show = await runBatchctl(['templates', 'show', 'batch-hello'], { url: server.url });
  t.same(parse(show.stdout), template().spec, 'show prints the spec as YAML');
  const del = await runBatchctl(['templates', 'delete', 'batch-hello'], { url: server.url });
  t.equal(del.stdout, 'deleted template batch-hello\n');
  t.same(
    calls(server).map(([call]) => call),
    [
      'POST /v1/templates',
      'GET /v1/templates',
      'GET /v1/templates',
      'GET /v1/templates/batch-hello',
      'DELETE /v1/templates/batch-hello',
    ],
  );
});

t.test('envs create, list, show, scale, delete and token', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/compute-environments', { status: 201, json: environment() });
  server.route('GET /v1/compute-environments', { json: { items: [environment()] } });
  server.route('GET /v1/compute-environments/render-pool', { json: environment() });
  server.route('POST /v1/compute-environments/render-pool/scale', { json: environment({ desiredNodes: 5 }) });
  server.route('DELETE /v1/compute-environments/render-pool', { status: 204 });
  server.route('GET /v1/nodes', {
    json: {
      items: [node({ environment: 'render-pool', state: 'TERMINATED', message: 'its provider could not create it' })],
    },
  });
  const registration = { environment: 'render-pool', token: 'reg-abc', expiresAt: null };
  server.route('POST /v1/compute-environments/render-pool/tokens', { status: 201, json: registration });

  const bare = await runBatchctl(['envs', 'create', 'render-pool'], { url: server.url });
  t.equal(bare.stdout, 'created compute environment render-pool (managed, provider local, 3 desired nodes)\n');
  await runBatchctl(['envs', 'create', 'render-pool', '--type', 'auto', '--desired', '3', '--shared'], {
    url: server.url,
  });
  const badType = await runBatchctl(['envs', 'create', 'x', '--type', 'cloud'], { url: server.url });
  t.equal(badType.code, 2);
  const list = await runBatchctl(['envs', 'list'], { url: server.url });
  t.match(
    list.stdout,
    /^NAME\s+TYPE\s+PROVIDER\s+DESIRED\s+NODES\s+SHARED\s+OWNER\s+CREATED\nrender-pool\s+managed\s+local\s+3\s+READY 2, PROVISIONING 1\s+no\s+admin/,
  );
  const show = await runBatchctl(['envs', 'show', 'render-pool'], { url: server.url });
  t.match(show.stdout, /^name\s+render-pool\ntype\s+managed\n/);
  t.match(show.stdout, /n-1\s+worker-1\s+TERMINATED\s+-\s+.*its provider could not create it/, 'its nodes, with why');
  const scale = await runBatchctl(['envs', 'scale', 'render-pool', '5'], { url: server.url });
  t.equal(scale.stdout, 'compute environment render-pool: 5 desired nodes\n');
  await runBatchctl(['envs', 'scale', 'render-pool', '5', '--force'], { url: server.url });
  const programs = await runBatchctl(
    [
      'envs',
      'create',
      'render-pool',
      '--provider',
      'command',
      '--desired',
      '2',
      '--cpu',
      '4',
      '--label',
      'zone=a',
      '--label',
      'disk=ssd',
      '--create-command',
      '/opt/hosts create --fast',
      '--delete-command',
      '/opt/hosts delete',
      '--command-timeout',
      '30',
    ],
    { url: server.url },
  );
  t.equal(programs.code, 0, programs.stderr);
  const half = await runBatchctl(['envs', 'create', 'x', '--create-command', '/opt/hosts create'], { url: server.url });
  t.equal(half.code, 2, 'a create program without a delete program is a usage error');
  await runBatchctl(['envs', 'delete', 'render-pool'], { url: server.url });
  const token = await runBatchctl(['envs', 'token', 'render-pool'], { url: server.url });
  t.equal(token.stdout, 'reg-abc\n', 'only the token, for $(batchctl envs token NAME)');
  const tokenJson = await runBatchctl(['envs', 'token', 'render-pool', '--json', '--ttl', '12h', '--uses', '3'], {
    url: server.url,
  });
  t.same(JSON.parse(tokenJson.stdout), registration);
  const badTtl = await runBatchctl(['envs', 'token', 'render-pool', '--ttl', 'soon'], { url: server.url });
  t.equal(badTtl.code, 2, 'a duration that is not one is a usage error');

  t.same(calls(server), [
    ['POST /v1/compute-environments', { name: 'render-pool' }],
    ['POST /v1/compute-environments', { name: 'render-pool', type: 'auto', desiredNodes: 3, shared: true }],
    ['GET /v1/compute-environments', undefined],
    ['GET /v1/compute-environments/render-pool', undefined],
    ['GET /v1/nodes', undefined],
    ['POST /v1/compute-environments/render-pool/scale', { desiredNodes: 5 }],
    ['POST /v1/compute-environments/render-pool/scale', { desiredNodes: 5, force: true }],
    [
      'POST /v1/compute-environments',
      {
        name: 'render-pool',
        provider: 'command',
        desiredNodes: 2,
        template: { cpu: 4, labels: { zone: 'a', disk: 'ssd' } },
        command: { create: ['/opt/hosts', 'create', '--fast'], delete: ['/opt/hosts', 'delete'], timeoutSeconds: 30 },
      },
    ],
    ['DELETE /v1/compute-environments/render-pool', undefined],
    ['POST /v1/compute-environments/render-pool/tokens', {}],
    ['POST /v1/compute-environments/render-pool/tokens', { ttlSeconds: 12 * 3600, maxUses: 3 }],
  ]);
});

t.test('nodes shows capacity, allocation, load and heartbeat; drain drains', async (t) => {
  const server = await startFakeHttpServer(t);
  const nodes = {
    items: [node(), node({ id: 'n-2', name: 'worker-2', state: 'LOST', metrics: null, lastHeartbeatAt: null })],
  };
  server.route('GET /v1/nodes', { json: nodes });
  server.route('POST /v1/nodes/n-2/drain', { json: node({ id: 'n-2', state: 'DRAINING' }) });
  const list = await runBatchctl(['nodes'], { url: server.url });
  t.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  t.equal(
    lines[0],
    'ID   NAME      STATE  ENVIRONMENT  CPU ALLOC  MEM ALLOC MiB  GPU ALLOC  CPU%  MEM USED MiB  DISK FREE MiB  LOAD  HEARTBEAT',
  );
  t.match(
    lines[1],
    /^n-1 {2}worker-1 {2}READY {2}local {12}2\.5\/8 {5}4096\/16384 {8}0\/0 {4}12 {4}5000\/16384 {14}1 {2}0\.50 {2}(\d+[smhd] ago|20\d\d-)/,
  );
  t.equal(
    lines[2],
    'n-2  worker-2  LOST   local            2.5/8     4096/16384        0/0     -             -              -     -  -',
  );
  const json = await runBatchctl(['nodes', '--json'], { url: server.url });
  t.same(JSON.parse(json.stdout), nodes);
  const drain = await runBatchctl(['drain', 'n-2'], { url: server.url });
  t.equal(drain.stdout, 'node n-2 DRAINING\n');
});

t.test('drain and undrain take a node name that only one node has', async (t) => {
  const server = await startFakeHttpServer(t);
  const notFound = { status: 404, json: { error: { code: 'NOT_FOUND', message: 'node not found' } } };
  server.route('GET /v1/nodes', {
    json: { items: [node(), node({ id: 'n-2', name: 'twin' }), node({ id: 'n-3', name: 'twin' })] },
  });
  server.route('POST /v1/nodes/worker-1/undrain', notFound);
  server.route('POST /v1/nodes/n-1/undrain', { json: node() });
  server.route('POST /v1/nodes/twin/drain', notFound);
  server.route('POST /v1/nodes/nobody/drain', notFound);

  const byName = await runBatchctl(['undrain', 'worker-1'], { url: server.url });
  t.equal(byName.stdout, 'node n-1 READY\n', 'the name resolves to its node');
  const twins = await runBatchctl(['drain', 'twin'], { url: server.url });
  t.equal(twins.code, 2, 'a name two nodes share is a usage error');
  t.match(twins.stderr, /2 nodes are named twin: give one of their ids \(n-2, n-3\)/);
  const nobody = await runBatchctl(['drain', 'nobody'], { url: server.url });
  t.equal(nobody.code, 1);
  t.match(nobody.stderr, /node not found/);
});

t.test('instances shows state, pending reason, attempts and the last attempt', async (t) => {
  const server = await startFakeHttpServer(t);
  const page = {
    items: [
      instance({ index: 0, state: 'FAILED', attempts: [failedAttempt('n-1', 3), failedAttempt('n-2', 137)] }),
      instance({ index: 1, state: 'PENDING', pendingReason: 'NO_MATCHING_NODE' }),
    ],
  };
  server.route('GET /v1/jobs/j-1/tasks/render/instances', { json: page });
  const result = await runBatchctl(['instances', 'j-1', 'render'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.match(lines[0], /^INDEX\s+STATE\s+PENDING REASON\s+ATTEMPTS\s+NODE\s+EXIT\s+FAILURE\s+ENDED\s+MESSAGE$/);
  t.match(lines[1], /^\s+0\s+FAILED\s+2\s+n-2\s+137\s+EXIT_CODE\s+\S+ (ago|\S*)\s*exited with code 137$/);
  t.match(lines[2], /^\s+1\s+PENDING\s+NO_MATCHING_NODE\s+0\s+-\s+-\s+-$/);
  const json = await runBatchctl(['instances', 'j-1', 'render', '--json', '--limit', '5'], { url: server.url });
  t.same(JSON.parse(json.stdout), page);
  t.equal(server.requests.at(-1)!.query.get('limit'), '5');
});

t.test('schedules create, list, show, pause, resume and delete', async (t) => {
  const server = await startFakeHttpServer(t);
  const schedule = {
    name: 'nightly',
    owner: 'admin',
    cron: '0 2 * * *',
    timezone: 'UTC',
    overlap: 'skip',
    catchUp: 'none',
    paused: false,
    job: { name: 'n', tasks: [] },
    createdAt: '2026-11-27T10:00:00.000Z',
    nextRunAt: '2026-11-28T02:00:00.000Z',
    lastRunAt: null,
  };
  const detail = {
    ...schedule,
    nextRuns: ['2026-11-28T02:00:00.000Z', '2026-11-29T02:00:00.000Z'],
    runs: [
      { tick: '2026-11-27T02:00:00.000Z', outcome: 'REFUSED', jobId: null, reason: 'QUOTA_EXCEEDED: full', missed: 0 },
      { tick: '2026-11-26T02:00:00.000Z', outcome: 'SUBMITTED', jobId: 'j-1', reason: null, missed: 0 },
    ],
  };
  server.route('POST /v1/schedules', { status: 201, json: { ...detail, runs: [] } });
  server.route('GET /v1/schedules', { json: { items: [schedule] } });
  server.route('GET /v1/schedules/nightly', { json: detail });
  server.route('POST /v1/schedules/nightly/pause', { json: { ...detail, paused: true } });
  server.route('POST /v1/schedules/nightly/resume', { json: detail });
  server.route('DELETE /v1/schedules/nightly', { status: 204 });
  const dir = t.testdir({ 's.yaml': 'name: nightly\ncron: "0 2 * * *"\njob: { name: n, tasks: [] }\n' });
  const created = await runBatchctl(['schedules', 'create', '-f', join(dir, 's.yaml')], { url: server.url });
  t.equal(created.stdout, 'created schedule nightly (0 2 * * *); next run 2026-11-28T02:00:00.000Z\n');
  const list = await runBatchctl(['schedules', 'list'], { url: server.url });
  t.match(
    list.stdout,
    /^NAME\s+CRON\s+TIMEZONE\s+OVERLAP\s+CATCH-UP\s+STATE\s+JOB\s+LAST RUN\s+NEXT RUN\nnightly\s+0 2 \* \* \*\s+UTC\s+skip\s+none\s+active\s+n\s+-\s+2026-11-28T02:00:00.000Z\n$/,
  );
  const show = await runBatchctl(['schedules', 'show', 'nightly'], { url: server.url });
  t.match(show.stdout, /^cron\s+0 2 \* \* \* \(UTC\)$/m);
  t.match(show.stdout, /^next runs\s+2026-11-28T02:00:00.000Z, 2026-11-29T02:00:00.000Z$/m);
  t.match(show.stdout, /^2026-11-27T02:00:00.000Z\s+REFUSED\s+-\s+QUOTA_EXCEEDED: full$/m);
  t.match(show.stdout, /^2026-11-26T02:00:00.000Z\s+SUBMITTED\s+j-1$/m);
  const shown = await runBatchctl(['schedules', 'show', 'nightly', '--json'], { url: server.url });
  t.same(JSON.parse(shown.stdout), detail);
  t.equal(
    (await runBatchctl(['schedules', 'pause', 'nightly'], { url: server.url })).stdout,
    'paused schedule nightly\n',
  );
  t.equal(
    (await runBatchctl(['schedules', 'resume', 'nightly'], { url: server.url })).stdout,
    'resumed schedule nightly\n',
  );
  await runBatchctl(['schedules', 'delete', 'nightly'], { url: server.url });
  t.same(calls(server), [
    ['POST /v1/schedules', { name: 'nightly', cron: '0 2 * * *', job: { name: 'n', tasks: [] } }],
    ['GET /v1/schedules', undefined],
    ['GET /v1/schedules/nightly', undefined],
    ['GET /v1/schedules/nightly', undefined],
    ['POST /v1/schedules/nightly/pause', undefined],
    ['POST /v1/schedules/nightly/resume', undefined],
    ['DELETE /v1/schedules/nightly', undefined],
  ]);
});

t.test('users create prints the new token alone on stdout; tokens create too', async (t) => {
  const server = await startFakeHttpServer(t);
  const created = {
    user: {
      id: 'u-2',
      name: 'alice',
      admin: true,
      disabled: false,
      quotas: { jobs: 100 },
      usage: { jobs: 3, computeEnvironments: 0 },
      createdAt: '2026-11-27T10:00:00.000Z',
    },
    token: 'tok-alice',
  };
  server.route('POST /v1/users', { status: 201, json: created });
  server.route('POST /v1/tokens', { status: 201, json: { token: 'tok-new', user: 'admin', name: 'laptop' } });
  server.route('GET /v1/users', { json: { items: [created.user] } });

  const user = await runBatchctl(['users', 'create', 'alice', '--admin'], { url: server.url });
  t.equal(user.stdout, 'tok-alice\n');
  t.match(user.stderr, /created admin user alice/);
  const userJson = await runBatchctl(['users', 'create', 'alice', '--admin', '--json'], { url: server.url });
  t.same(JSON.parse(userJson.stdout), created);
  const users = await runBatchctl(['users', 'list'], { url: server.url });
  t.match(users.stdout, /^ID\s+NAME\s+ADMIN\s+STATE\s+JOBS\s+CREATED\nu-2\s+alice\s+yes\s+active\s+3\/100\s+/);
  const token = await runBatchctl(['tokens', 'create', '--name', 'laptop'], { url: server.url });
  t.equal(token.stdout, 'tok-new\n');
  const plain = await runBatchctl(['tokens', 'create'], { url: server.url });
  t.equal(plain.code, 0);

  t.same(calls(server), [
    ['POST /v1/users', { name: 'alice', admin: true }],
    ['POST /v1/users', { name: 'alice', admin: true }],
    ['GET /v1/users', undefined],
    ['POST /v1/tokens', { name: 'laptop' }],
    ['POST /v1/tokens', {}],
  ]);
});

t.test('taking access back: tokens list and revoke, users disable, delete and quotas; audit', async (t) => {
  const server = await startFakeHttpServer(t);
  const user = {
    id: 'u-2',
    name: 'mallory',
    admin: false,
    disabled: true,
    quotas: { jobs: 5 },
    usage: { jobs: 0, computeEnvironments: 0 },
    createdAt: '2026-11-27T10:00:00.000Z',
  };
  server.route('GET /v1/tokens', {
    json: {
      items: [
        {
          id: 't-1',
          name: 'laptop',
          user: 'mallory',
          createdAt: '2026-11-27T10:00:00.000Z',
          lastUsedAt: null,
          expiresAt: null,
        },
      ],
    },
  });
  server.route('DELETE /v1/tokens/t-1', { status: 204 });
  server.route('POST /v1/users/mallory/disable', { json: user });
  server.route('DELETE /v1/users/mallory', { status: 204 });
  server.route('PATCH /v1/users/mallory', { json: user });
  server.route('GET /v1/users', { json: { items: [user] } });
  server.route('GET /v1/audit', {
    json: {
      items: [
        { id: 9, at: '2026-11-27T10:00:00.000Z', actor: 'admin', action: 'token.revoked', target: 't-1', detail: {} },
      ],
    },
  });
  const cli = { url: server.url };
  const list = await runBatchctl(['tokens', 'list', '--user', '*'], cli);
  t.match(list.stdout, /^ID\s+NAME\s+USER\s+CREATED\s+LAST USED\s+EXPIRES\nt-1\s+laptop\s+mallory\s+.*\s+-\s+never$/m);
  t.equal((await runBatchctl(['tokens', 'revoke', 't-1'], cli)).stdout, 'revoked token t-1\n');
  t.equal((await runBatchctl(['users', 'disable', 'mallory'], cli)).stdout, 'user mallory disabled\n');
  t.equal((await runBatchctl(['users', 'quotas', 'mallory', 'jobs=5'], cli)).stdout, 'jobs=5\n');
  t.equal((await runBatchctl(['users', 'quotas', 'mallory'], cli)).stdout, 'jobs=5\n', 'no QUOTA=N: shown');
  const nobody = await runBatchctl(['users', 'quotas', 'nobody'], cli);
  t.equal(nobody.code, 1);
  t.match(nobody.stderr, /user nobody not found/);
  const badQuota = await runBatchctl(['users', 'quotas', 'mallory', 'jobs'], cli);
  t.equal(badQuota.code, 2, 'NAME=NUMBER or a usage error');
  t.equal((await runBatchctl(['users', 'delete', 'mallory', '--force'], cli)).stdout, 'deleted user mallory\n');
  t.match((await runBatchctl(['audit', '--action', 'token.revoked'], cli)).stdout, /token\.revoked\s+t-1/);
  t.same(calls(server), [
    ['GET /v1/tokens', undefined],
    ['DELETE /v1/tokens/t-1', undefined],
    ['POST /v1/users/mallory/disable', undefined],
    ['PATCH /v1/users/mallory', { quotas: { jobs: 5 } }],
    ['GET /v1/users', undefined],
    ['GET /v1/users', undefined],
    ['DELETE /v1/users/mallory', undefined],
    ['GET /v1/audit', undefined],
  ]);
  t.equal(server.requestsTo('GET /v1/tokens')[0]!.query.get('user'), '*');
  t.equal(server.requestsTo('DELETE /v1/users/mallory')[0]!.query.get('force'), 'true');
});
