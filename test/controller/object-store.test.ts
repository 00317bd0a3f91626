/**
 * One contract, both object stores: the local directory store and an S3-compatible server
 * (s3rver) through the AWS SDK. Signed URLs work for their one object and method, and expire.
 */
import { Readable } from 'node:stream';
import t from 'tap';
import { LocalObjectStore } from '../../controller/storage/local-store.js';
import type { ObjectStore } from '../../controller/storage/object-store.js';
import { S3ObjectStore } from '../../controller/storage/s3-store.js';
import { startS3 } from '../support/s3-server.js';
import { tmpDir, type Teardown } from '../support/tmp.js';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signedRoutes } from '../../controller/http/signed.js';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { errorHandler } from '../../controller/http/errors.js';
import { silentLogger } from '../../controller/log.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

type Tap = Teardown;
type Make = (t: Tap) => Promise<ObjectStore>;

/** The local store's signed URLs point at the controller: serve its /signed routes here. */
async function localStore(t: Tap): Promise<ObjectStore> {
  let base = '';
  const store = new LocalObjectStore(tmpDir(t), () => base, 1024 * 1024);
  const app = new Hono();
  app.onError(errorHandler(silentLogger));
  // These URLs are not granted to an attempt; an attempt-bound one is tested end to end (test/security).
  app.route(
    '/signed',
    signedRoutes(store, () => Promise.resolve(true)),
  );
  const server = http.createServer((req, res) => void getRequestListener(app.fetch)(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return store;
}

async function s3Store(t: Tap): Promise<ObjectStore> {
  const s3 = await startS3(t, ['bkt']);
  return new S3ObjectStore({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
  });
}

for (const [name, make] of [
  ['local', localStore],
  ['s3', s3Store],
] as [string, Make][]) {
  t.test(`${name}: put, head, get, list`, async (t) => {
    const store = await make(t);
    const info = await store.put('bkt', 'in/a.txt', Readable.from([Buffer.from('hello')]), sha('hello'));
    t.match(info, { key: 'in/a.txt', size: 5, sha256: sha('hello') });
    await store.put('bkt', 'in/sub/b.txt', Readable.from([Buffer.from('bee')]));
    await store.put('bkt', 'other/c.txt', Readable.from([Buffer.from('c')]));
    t.match(await store.head('bkt', 'in/a.txt'), { size: 5, sha256: sha('hello') }, 'the announced digest is kept');
    t.equal(await store.head('bkt', 'nope'), undefined);
    const got = await store.get('bkt', 'in/a.txt');
    const chunks: Buffer[] = [];
    for await (const c of got!.body) chunks.push(c as Buffer);
    t.equal(Buffer.concat(chunks).toString(), 'hello');
    t.same(
      (await store.list('bkt', 'in/', { limit: 100 })).items.map((i) => i.key),
      ['in/a.txt', 'in/sub/b.txt'],
    );
    const page = await store.list('bkt', '', { limit: 2 });
    t.equal(page.items.length, 2);
    t.ok(page.next);
    t.same(
      (await store.list('bkt', '', { limit: 2, cursor: page.next! })).items.map((i) => i.key),
      ['other/c.txt'],
    );
    t.same((await store.list('empty-bucket', '', { limit: 10 })).items, [], 'an unknown bucket lists nothing');
  });

  t.test(`${name}: keys with dot-dot segments are refused`, async (t) => {
    const store = await make(t);
    await t.rejects(store.signGet('bkt', 'a/../../etc/passwd', 60), /relative, without/);
    await t.rejects(async () => store.put('bkt', '../x', Readable.from([Buffer.from('x')])), /relative, without/);
  });

  t.test(`${name}: a wrong announced digest stores nothing`, async (t) => {
    const store = await make(t);
    await t.rejects(store.put('bkt', 'x.txt', Readable.from([Buffer.from('tampered')]), sha('original')), /sha256/);
    t.equal(await store.head('bkt', 'x.txt'), undefined);
  });

  t.test(`${name}: signed URLs serve one object, one method, until they expire`, async (t) => {
    const store = await make(t);
    await store.put('bkt', 'secret/a.txt', Readable.from([Buffer.from('A')]));
    await store.put('bkt', 'secret/b.txt', Readable.from([Buffer.from('B')]));
    const get = await store.signGet('bkt', 'secret/a.txt', 60);
    const ok = await fetch(get);
    t.equal(ok.status, 200);
    t.equal(await ok.text(), 'A');
    const other = get.replace('secret/a.txt', 'secret/b.txt');
    t.equal((await fetch(other)).status, 403, 'the signature does not open another object');
    t.equal((await fetch(get, { method: 'PUT', body: 'x' })).status, 403, 'a GET URL cannot write');

    const put = await store.signPut('bkt', 'out/r.txt', 60);
    t.equal((await fetch(put, { method: 'PUT', body: 'result' })).status, 200);
    t.match(await store.head('bkt', 'out/r.txt'), { size: 6 });

    const expired = await store.signGet('bkt', 'secret/a.txt', 1);
    await new Promise((r) => setTimeout(r, 2100)); // the expiry is whole seconds: wait it out
    t.equal((await fetch(expired)).status, 403, 'an expired URL is refused');
  });
}
