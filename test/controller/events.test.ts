/**
 * GET /v1/events over both stores: what a job's life records, who sees what, filters and their
 * errors, resuming with `since` and `Last-Event-ID`, 410 past retention, the cut-off of a client
 * too slow, and the watermark that keeps resuming gap-free under concurrent writers.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import t from 'tap';
import { recordEvents } from '../../controller/events/record.js';
import { purgeEvents } from '../../controller/events/read.js';
import { compareCursors } from '../../controller/events/view.js';
import type { BatchEvent } from '../../protocol/api.js';
import { chunksOf } from '../../sdk/byte-stream.js';
import { serverSentEvents, type ServerSentEvent } from '../../sdk/server-sent-events.js';
import { freshDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { makeApi, type Api } from './api-harness.js';

const job = (instances = 2) => ({ name: 'ev', tasks: [{ name: 'a', command: 'true', instances }] });

/** Every event of a stream that ends at the present (follow=false). */
async function retained(api: Api, query: string, token?: string, headers?: Record<string, string>) {
  const res = await api.open(`/v1/events?follow=false${query}`, token, headers);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const out: BatchEvent[] = [];
  for await (const m of serverSentEvents(chunksOf(res.body!))) if (m.event !== 'open') out.push(parse(m));
  return out;
}

function parse(m: ServerSentEvent): BatchEvent {
  const event = JSON.parse(m.data) as BatchEvent;
  if (m.id !== String(event.id) || m.event !== event.kind) throw new Error(`id/event fields disagree: ${m.data}`);
  return event;
}

/**
 * Until the reader has reached the last event written. The watermark is cluster-wide: another
 * database's open transaction on the same server (a parallel test) can hold delivery back.
 */
async function delivered(api: Api): Promise<void> {
  const [last] = await api.store.rows<{ xid: string; id: number }>(
    // PGlite's stream is ordered by id alone (controller/events/read.ts), its cursors carry xid 0
    api.store.kind === 'pglite'
      ? sql`SELECT '0' AS xid, id FROM events ORDER BY id DESC LIMIT 1`
      : sql`SELECT xid::text AS xid, id FROM events ORDER BY xid DESC, id DESC LIMIT 1`,
  );
  if (!last) return;
  const end = { xid: BigInt(last.xid), id: last.id };
  await waitFor(
    'the event reader to reach the last event',
    async () => {
      await api.events.wake();
      return compareCursors(await api.events.freshPosition(), end) >= 0;
    },
    { timeoutMs: 30_000 },
  );
}

const brief = (e: BatchEvent) => `${e.kind}:${e.task ?? ''}${e.instance ?? ''}:${e.state}`;

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: a job's life as events, for its owner and admins only`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const alice = (await api.request('POST', '/v1/users', { name: 'alice' })).body.token as string;
    const bob = (await api.request('POST', '/v1/users', { name: 'bob' })).body.token as string;
    const submitted = await api.request('POST', '/v1/jobs', job(), alice);
    const id = submitted.body.id as string;
    t.equal((await api.request('POST', `/v1/jobs/${id}/stop`, undefined, alice)).status, 200);
    await delivered(api);

    const mine = await retained(api, '&since=0', alice);
    t.same(
      mine.filter((e) => e.jobId === id).map(brief),
      ['job::PENDING', 'instance:a0:STOPPED', 'instance:a1:STOPPED', 'task:a:STOPPED', 'job::STOPPED'],
      'submit and stop, in the order they committed',
    );
    t.ok(
      mine.every((e, i) => i === 0 || e.id > mine[i - 1]!.id),
      'one writer at a time: ids increase',
    );
    t.match(mine[0], { kind: 'job', jobId: id, state: 'PENDING', data: { name: 'ev' }, at: /^\d{4}-/ });
    t.same(await retained(api, '&since=0', bob), [], "bob sees none of alice's events");
    const all = await retained(api, '&since=0');
    t.ok(
      all.some((e) => e.jobId === id),
      'an admin sees every user',
    );
    t.ok(
      all.some((e) => e.kind === 'environment' && e.environment === 'local' && e.state === 'CREATED'),
      'environments too',
    );
  });

  t.test(`${store}: filters, resuming, and errors that name the parameter`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const first = (await api.request('POST', '/v1/jobs', job(3))).body.id as string;
    const second = (await api.request('POST', '/v1/jobs', job(1))).body.id as string;
    await api.request('POST', `/v1/jobs/${first}/stop`);
    await api.request('POST', `/v1/jobs/${second}/stop`);
    await delivered(api);

    const all = (await retained(api, '&since=0')).filter((e) => e.kind !== 'environment');
    t.equal(all.length, 6 + 4, 'both jobs: 3 + 1 instances, a task each, two job states each');
    t.same((await retained(api, `&since=0&job=${second}`)).map(brief), [
      'job::PENDING',
      'instance:a0:STOPPED',
      'task:a:STOPPED',
      'job::STOPPED',
    ]);
    t.ok((await retained(api, '&since=0&kind=instance')).every((e) => e.kind === 'instance'));
    t.equal((await retained(api, '&since=0&kind=instance,task')).length, 6);
    t.equal((await retained(api, '&since=0&state=STOPPED&kind=job')).length, 2);

    const third = all[2]!.id;
    t.same(
      (await retained(api, `&since=${third}`)).filter((e) => e.kind !== 'environment'),
      all.slice(3),
      'since: resumes right after the event, nothing twice',
    );
    t.same(
      (await retained(api, '', undefined, { 'last-event-id': String(third) })).filter((e) => e.kind !== 'environment'),
      all.slice(3),
      'Last-Event-ID: the same',
    );
    t.same(await retained(api, ''), [], 'without since: from now');

    for (const [query, field, message] of [
      ['kind=jobs', 'kind', /kind: "jobs" is not one of job, task/],
      ['state=DONE', 'state', /state: "DONE" is not one of/],
      ['since=-1', 'since', /since: must be an event id/],
      ['since=99999999', 'since', /since: no event has id 99999999/],
      ['follow=maybe', 'follow', /follow: must be one of/],
    ] as const) {
      const res = await api.request('GET', `/v1/events?${query}`);
      t.equal(res.status, 422, query);
      t.match(res.body.error, { code: 'VALIDATION', field, message }, query);
    }
    const header = await api.open('/v1/events', undefined, { 'last-event-id': 'x' });
    t.equal(header.status, 422);
    t.match(await header.json(), { error: { field: 'Last-Event-ID' } });
  });

  t.test(`${store}: a since older than retention is 410 GONE`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    await api.request('POST', '/v1/jobs', job(1));
    await delivered(api);
    const [oldest] = await retained(api, '&since=0');
    // Every event a day and an hour old, as if retention had run out.
    await api.store.rows(sql`UPDATE events SET created_at = now() - interval '25 hours'`);
    t.ok((await purgeEvents(api.store, 24)) > 0, 'purged');
    const res = await api.request('GET', `/v1/events?since=${oldest!.id}`);
    t.equal(res.status, 410);
    t.match(res.body.error, { code: 'GONE', field: 'since', message: /older than the retention window/ });
  });

  t.test(`${store}: a client too slow is cut off with its last id, and resumes`, async (t) => {
    const api = await makeApi(t, {
      ...(store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {}),
      env: { BATCH_EVENT_BUFFER: '10' },
    });
    const res = await api.open('/v1/events');
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /^text\/event-stream/);
    const many = Array.from({ length: 30 }, (_, i) => ({
      ownerId: 'u',
      kind: 'job' as const,
      state: 'PENDING',
      jobId: `j${i}`,
    }));
    await recordEvents(api.store, many);
    await delivered(api);
    const got: BatchEvent[] = [];
    let cut: { code: string; lastId: number; message: string } | undefined;
    for await (const m of serverSentEvents(chunksOf(res.body!))) {
      if (m.event === 'cut-off') cut = JSON.parse(m.data) as typeof cut;
      else if (m.event !== 'open') got.push(parse(m));
    }
    t.equal(got.length, 9, 'the buffer held 10 frames (the open message and 9 events), then the stream ended');
    t.match(cut, { code: 'TOO_SLOW', lastId: got[8]!.id, message: /fell 10 events behind/ });
    const rest = await retained(api, `&since=${cut!.lastId}`);
    t.same(
      [...got, ...rest].map((e) => e.jobId),
      many.map((e) => e.jobId),
      'resuming after the last id received misses nothing',
    );
  });

  t.test(`${store}: stream limits per user`, async (t) => {
    const api = await makeApi(t, {
      ...(store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {}),
      env: { BATCH_EVENT_STREAMS_PER_USER: '2' },
    });
    const a = await api.open('/v1/events');
    const b = await api.open('/v1/events');
    const c = await api.request('GET', '/v1/events');
    t.equal(c.status, 429);
    t.match(c.body.error, { code: 'TOO_MANY_REQUESTS', message: /at most 2 open at once per user/ });
    await a.body!.cancel();
    const d = await api.open('/v1/events');
    t.equal(d.status, 200, 'a closed stream frees its place');
    await b.body!.cancel();
    await d.body!.cancel();
  });
}

t.test('postgres: the watermark delivers a row committed later with a smaller id', async (t) => {
  const url = await freshDatabase(t);
  const api = await makeApi(t, { databaseUrl: url });
  const pg = postgres(url, { max: 3, onnotice: () => {} });
  t.teardown(() => pg.end());
  const older = await pg.reserve();
  const younger = await pg.reserve();
  const follow = await api.open('/v1/events?kind=job');
  const insert = (c: postgres.ReservedSql, state: string) =>
    c<
      { id: number }[]
    >`INSERT INTO events (owner_id, kind, state) VALUES ('u', 'job', ${state}) RETURNING id::int AS id`;

  await older`BEGIN`;
  await older`SELECT pg_current_xact_id()`; // the older transaction has its id before the younger starts
  await younger`BEGIN`;
  const [y] = await insert(younger, 'YOUNGER'); // takes the smaller event id …
  const [o] = await insert(older, 'OLDER');
  await older`COMMIT`; // … but commits after the larger one
  await api.events.wake();
  const stream = serverSentEvents(chunksOf(follow.body!));
  const next = async () => {
    for (let m = await stream.next(); !m.done; m = await stream.next())
      if (m.value.event !== 'open') return parse(m.value);
    throw new Error('the stream ended');
  };
  t.ok(y!.id < o!.id, 'ids came out of order');
  t.match(await next(), { id: o!.id, state: 'OLDER' }, 'the committed row is delivered while the other is open');
  await younger`COMMIT`;
  await api.events.wake();
  older.release();
  younger.release();
  t.match(
    await next(),
    { id: y!.id, state: 'YOUNGER' },
    'then the smaller id, which a reader taking id > last delivered would have skipped for ever',
  );
  await stream.return(undefined);
  const resumed = await retained(api, `&kind=job&since=${o!.id}`);
  t.same(
    resumed.map((e) => e.id),
    [y!.id],
    'resuming after the larger id still yields the smaller one',
  );
});
