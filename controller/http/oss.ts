/**
 * /v1/oss: upload, download and list objects through the controller, so users need no other
 * tool (`batchctl oss cp`, `batchctl oss ls`). The caller must own the bucket (or be an admin);
 * writing to a bucket nobody owns claims it.
 */
import { Readable } from 'node:stream';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { bucketSchema, objectEntrySchema, type ObjectEntry } from '../../protocol/api.js';
import { BatchError, notFound } from '../../protocol/errors.js';
import { checkBucketAccess, claimBuckets, listBuckets } from '../storage/buckets.js';
import { DigestMismatchError, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import { checkBucket, checkKey, formatOssUrl } from '../storage/oss-url.js';
import type { AppEnv } from './auth.js';
import { queryInt } from './body.js';
import type { AppDeps } from './deps.js';
import { keyAfter } from './object-key.js';
import { limit, pathOf, textCursor } from './params.js';
import { json, list, serve } from './route.js';

const tags = ['Objects'];
const objectPath = pathOf('bucket', 'key');

const toItem = (bucket: string, info: ObjectInfo): ObjectEntry => ({
  url: formatOssUrl({ bucket, key: info.key }),
  key: info.key,
  size: info.size,
  lastModified: info.lastModified.toISOString(),
  ...(info.sha256 ? { sha256: info.sha256 } : {}),
});

export function ossRoutes(deps: AppDeps & { objects: ObjectStore }) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listBuckets',
      summary: 'Your buckets',
      tags,
      responses: { 200: json(list(bucketSchema), 'The buckets') },
    },
    async (c) => {
      const rows = await listBuckets(store, c.get('caller'));
      return c.json({
        items: rows.map((r) => ({ name: r.name, url: `oss://${r.name}/`, createdAt: r.createdAt.toISOString() })),
      });
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{bucket}',
      operationId: 'listObjects',
      summary: 'Objects in a bucket',
      tags,
      request: {
        params: pathOf('bucket'),
        query: z.object({
          prefix: z.string().optional().describe('only keys that start with this'),
          limit: limit(1000, 1000),
          cursor: textCursor,
        }),
      },
      responses: { 200: json(list(objectEntrySchema), 'A page of objects') },
    },
    async (c) => {
      const bucket = c.req.param('bucket');
      checkBucket(bucket, 'bucket');
      if ((await checkBucketAccess(store, c.get('caller'), bucket)) === 'unowned') return c.json({ items: [] });
      const cursor = c.req.query('cursor');
      const page = await deps.objects.list(bucket, c.req.query('prefix') ?? '', {
        limit: queryInt(c, 'limit', 1000, 1, 1000),
        ...(cursor ? { cursor } : {}),
      });
      return c.json({ items: page.items.map((i) => toItem(bucket, i)), ...(page.next ? { next: page.next } : {}) });
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{bucket}/{key}',
      rest: 'key',
      operationId: 'getObject',
      summary: 'Download an object',
      tags,
      request: { params: objectPath },
      responses: {
        200: {
          description: 'The bytes',
          content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
        },
      },
    },
    async (c) => {
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
    },
  );

  serve(
    app,
    {
      method: 'put',
      path: '/{bucket}/{key}',
      rest: 'key',
      operationId: 'putObject',
      summary: 'Upload an object',
      description: 'Writing to a bucket nobody owns claims it.',
      tags,
      request: {
        params: objectPath,
        headers: z.object({
          'x-batch-sha256': z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional()
            .describe('the SHA-256 the bytes must have'),
        }),
        body: {
          required: true,
          content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
        },
      },
      responses: { 201: json(objectEntrySchema, 'The object') },
    },
    async (c) => {
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
    },
  );

  return app;
}
