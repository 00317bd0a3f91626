/**
 * The OpenAPI document (/v1/openapi.json) is the routes: every route the app serves is in it and
 * nothing else is; Redocly's `recommended` rules find nothing in it; and a client generated from
 * it (openapi-typescript types, openapi-fetch) compiles and works against the app in process and
 * against a running controller.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t, { type Test as Tap } from 'tap';
import { ADMIN, makeApi } from './api-harness.js';
import { createApp } from '../../controller/http/app.js';
import { ADMIN_TOKEN, startController } from '../support/cluster.js';

const run = promisify(execFile);
/** A tool's output whether it exited 0 or not (lint and tsc exit 1 when they report problems). */
const output = (file: string, args: string[], env?: NodeJS.ProcessEnv) =>
  run(file, args, env ? { env } : {}).catch((err: unknown) => err as { stdout: string });
/** The worktree (tests run from dist/test/controller/): its node_modules has the tools. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/** A directory under dist/, so the generated program resolves openapi-fetch from node_modules. */
function workDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(ROOT, 'dist', 'openapi-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `/v1/jobs/:id` and `/v1/jobs/{id}`, `/oss/:bucket/*` and `/oss/{bucket}/{key}`, compared alike. */
const shape = (p: string) => p.replace(/\{\w+\}|:\w+|\*/g, '{}');

t.test('the document is served without a token and lists exactly the routes the app serves', async (t) => {
  const api = await makeApi(t);
  const res = await api.request('GET', '/v1/openapi.json', undefined, null);
  t.equal(res.status, 200);
  const doc = res.body as { paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>> };
  const documented = new Set<string>();
  const operationIds = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      documented.add(`${method.toUpperCase()} ${shape(p)}`);
      t.ok(op.operationId, `${method} ${p} has an operationId`);
      t.equal(op.tags?.length, 1, `${method} ${p} has a tag`);
      operationIds.add(op.operationId ?? '');
    }
  t.equal(operationIds.size, documented.size, 'operationIds are unique');

  // The app as main.ts makes it; the console's pages (any other GET) are not the API.
  const app = createApp({
    store: api.store,
    objects: api.objects,
    events: api.events,
  } as unknown as Parameters<typeof createApp>[0]);
  const served = new Set(
    app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '/*' && r.path !== '/assets/:name')
      .map((r) => `${r.method} ${shape(r.path)}`),
  );
  t.same(
    [...served].filter((r) => !documented.has(r)),
    [],
    'every served route is documented',
  );
  t.same(
    [...documented].filter((r) => !served.has(r)),
    [],
    'every documented route is served',
  );
  t.ok(served.size > 50, `${served.size} routes`);
});

t.test('the documented bounds of whole-number query parameters are the ones the handlers enforce', async (t) => {
  const api = await makeApi(t);
  interface Parameter {
    name: string;
    in: string;
    schema: { type?: string; minimum?: number; maximum?: number };
  }
  const doc = (await api.request('GET', '/v1/openapi.json')).body as {
    paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  };
  let checked = 0;
  for (const [p, ops] of Object.entries(doc.paths)) {
    // Paths with parameters answer 404 for made-up ids before they look at the query.
    if (p.includes('{') || !ops.get) continue;
    for (const param of ops.get.parameters ?? []) {
      if (param.in !== 'query' || param.schema.type !== 'integer') continue;
      const outside = [param.schema.minimum, param.schema.maximum].flatMap((bound, i) =>
        bound === undefined ? [] : [i === 0 ? bound - 1 : bound + 1],
      );
      for (const value of outside) {
        const res = await api.request('GET', `${p}?${param.name}=${value}`);
        t.equal(res.status, 422, `${p}?${param.name}=${value} is refused`);
        t.equal(res.body?.error?.field, param.name, `${p}?${param.name}=${value}: the field`);
        checked++;
      }
    }
  }
  t.ok(checked >= 10, `${checked} bounds checked`);
});

t.test("Redocly's recommended rules find no error and no warning", async (t) => {
  const api = await makeApi(t);
  const dir = workDir(t);
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, (await api.request('GET', '/v1/openapi.json')).text);
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const lint = await output(bin('redocly'), ['lint', '--extends=recommended', '--format=json', file], env);
  const report = JSON.parse(lint.stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
  t.same(report.totals, { errors: 0, warnings: 0, ignored: 0 }, JSON.stringify(report.problems, null, 1));
});

const PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type JobState = components['schemas']['Job']['state'];
type Instance = components['schemas']['Instance'];

/** Lists the jobs in one state and reads the first instance of the first one's first task. */
export async function firstInstance(
  baseUrl: string,
  token: string,
  fetch: typeof globalThis.fetch,
  state: JobState,
): Promise<{ jobs: string[]; instance: Instance }> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + token }, fetch });
  const listed = await client.GET('/v1/jobs', { params: { query: { state, limit: 10 } } });
  if (listed.error) throw new Error(listed.error.error.code + ': ' + listed.error.error.message);
  const job = listed.data.items[0];
  const task = job?.tasks[0];
  if (!job || !task) throw new Error('no ' + state + ' job with a task');
  const read = await client.GET('/v1/jobs/{id}/tasks/{task}/instances/{index}', {
    params: { path: { id: job.id, task: task.name, index: 0 } },
  });
  if (read.error) throw new Error(read.error.error.code + ': ' + read.error.error.message);
  return { jobs: listed.data.items.map((j) => j.id), instance: read.data };
}
`;

interface Program {
  firstInstance(
    baseUrl: string,
    token: string,
    fetch: typeof globalThis.fetch,
    state: string,
  ): Promise<{ jobs: string[]; instance: { index: number; state: string } }>;
}

/** Generates the client's types from the document, compiles PROGRAM with them, and loads it. */
async function generateClient(t: Parameters<typeof workDir>[0] & { equal: Tap['equal'] }, document: string) {
  const dir = workDir(t);
  const doc = path.join(dir, 'openapi.json');
  writeFileSync(doc, document);
  await run(bin('openapi-typescript'), [doc, '-o', path.join(dir, 'schema.ts')]);
  writeFileSync(path.join(dir, 'program.ts'), PROGRAM);
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  const options = ['--strict', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--module', 'NodeNext'];
  const tsc = await output(bin('tsc'), [...options, '--skipLibCheck', path.join(dir, 'program.ts')]);
  t.equal(tsc.stdout, '', 'tsc reports nothing');
  return (await import(path.join(dir, 'program.js'))) as Program;
}

const JOB = { name: 'generated-client', tasks: [{ name: 'a', command: 'echo a', instances: 2 }] };

t.test('a client generated from the document compiles and lists jobs by state and reads an instance', async (t) => {
  const api = await makeApi(t);
  const program = await generateClient(t, (await api.request('GET', '/v1/openapi.json')).text);
  const submitted = await api.request('POST', '/v1/jobs', JOB);
  t.equal(submitted.status, 201);
  const { jobs, instance } = await program.firstInstance('http://controller.test', ADMIN, api.fetch, 'PENDING');
  t.same(jobs, [submitted.body.id]);
  t.match(instance, { index: 0, state: 'PENDING' });
  await t.rejects(program.firstInstance('http://controller.test', ADMIN, api.fetch, 'RUNNING'), /no RUNNING job/);
});

t.test('the generated client works against a running controller, over its socket', async (t) => {
  const controller = await startController(t, { store: 'pglite' });
  const served = await fetch(`${controller.url}/v1/openapi.json`);
  t.equal(served.status, 200, 'the document, without a token');
  const program = await generateClient(t, await served.text());
  const submitted = await fetch(`${controller.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(JOB),
  });
  t.equal(submitted.status, 201);
  const job = (await submitted.json()) as { id: string };
  const { jobs, instance } = await program.firstInstance(controller.url, ADMIN_TOKEN, fetch, 'PENDING');
  t.same(jobs, [job.id]);
  t.match(instance, { index: 0, state: 'PENDING' });
});
