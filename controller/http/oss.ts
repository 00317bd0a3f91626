/**
 * /v1/oss: upload, download and list objects through the controller, so users need no other
 * tool (`batchctl oss cp`, `batchctl oss ls`). The caller must own the bucket (or be an admin);
 * writing to a bucket nobody owns claims it.
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { BatchError, notFound } from '../../protocol/errors.js';
import { checkBucketAccess, claimBuckets, listBuckets } from '../storage/buckets.js';
import { DigestMismatchError, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import { checkBucket, checkKey, formatOssUrl } from '../storage/oss-url.js';
import type { AppEnv } from './auth.js';
import { queryInt } from './body.js';
import type { AppDeps } from './deps.js';
import { keyAfter } from './object-key.js';

const toItem = (bucket: string, info: ObjectInfo) => ({
  url: formatOssUrl({ bucket, key: info.key }),
  key: info.key,
  size: info.size,
  lastModified: info.lastModified.toISOString(),
  ...(info.sha256 ? { sha256: info.sha256 } : {}),
});

export function ossRoutes(deps: AppDeps & { objects: ObjectStore }) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.get('/', async (c) => {
    const rows = await listBuckets(store, c.get('caller'));
    return c.json({
      items: rows.map((r) => ({ name: r.name, url: `oss://${r.name}/`, createdAt: r.createdAt.toISOString() })),
    });
  });

  app.get('/:bucket', async (c) => {
    const bucket = c.req.param('bucket');
    checkBucket(bucket, 'bucket');
    if ((await checkBucketAccess(store, c.get('caller'), bucket)) === 'unowned') return c.json({ items: [] });
    const cursor = c.req.query('cursor');
    const page = await deps.objects.list(bucket, c.req.query('prefix') ?? '', {
      limit: queryInt(c, 'limit', 1000, 1, 1000),
      ...(cursor ? { cursor } : {}),
    });
    return c.json({ items: page.items.map((i) => toItem(bucket, i)), ...(page.next ? { next: page.next } : {}) });
  });

  app.get('/:bucket/*', async (c) => {
    const bucket = c.req.param('bucket');
    const key = keyAfter(c, `/oss/${bucket}/`);
    checkBucket(bucket, 'bucket');
    checkKey(key, 'key');
    if ((await checkBucketAccess(store, c.get('caller'), bucket)) === 'unowned')
      throw notFound('object', `oss://${bucket}/${key}`);
    const found = await deps.objects.get(bucket, key);
    if (!found) throw notFound('object', `oss://${bucket}/${key}`);
    return new Response(Readable.toWeb(found.body) as ReadableStream, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(found.info.size) },
    });
  });

  app.put('/:bucket/*', async (c) => {
    const bucket = c.req.param('bucket');
    const key = keyAfter(c, `/oss/${bucket}/`);
    checkBucket(bucket, 'bucket');
    checkKey(key, 'key');
    if (key === '' || key.endsWith('/'))
      throw new BatchError('VALIDATION', 'key: an object key must name a file, not a prefix', 'key');
    const sha256 = c.req.header('x-batch-sha256');
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
      throw new BatchError('VALIDATION', 'x-batch-sha256: must be 64 lowercase hex digits', 'x-batch-sha256');
    await claimBuckets(store, c.get('caller'), [{ bucket, field: 'bucket' }]);
    const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as never) : Readable.from([]);
    try {
      const info = await deps.objects.put(bucket, key, body, sha256);
      return c.json(toItem(bucket, info), 201);
    } catch (err) {
      if (err instanceof DigestMismatchError) throw new BatchError('BAD_REQUEST', err.message);
      throw err;
    }
  });

  return app;
}
