/**
 * `/signed/…`: the local object store's stand-in for presigned URLs. No bearer token: the HMAC
 * signature in the query is the credential, good for one method on one object until it expires.
 */
import { Readable } from 'node:stream';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { BatchError } from '../../protocol/errors.js';
import { SIGNED_PATH, type LocalObjectStore } from '../storage/local-store.js';
import { DigestMismatchError } from '../storage/object-store.js';
import { keyAfter } from './object-key.js';
import { pathOf } from './params.js';
import { serve } from './route.js';

const bytes = { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } };
const signed = {
  tags: ['Signed URLs'],
  security: [],
  rest: 'key',
  request: {
    params: pathOf('bucket', 'key'),
    query: z.object({
      method: z.enum(['GET', 'PUT']),
      expires: z.string().describe('when the URL stops working, in seconds since the epoch'),
      sig: z.string().describe('the signature'),
      attempt: z.string().optional().describe('the attempt an upload URL was granted to'),
    }),
  },
};

/**
 * `attemptActive`: an upload URL granted to an attempt works only while that attempt is active,
 * so a node (or whoever copied the URL) cannot write to the bucket after the attempt ended.
 */
export function signedRoutes(objects: LocalObjectStore, attemptActive: (attemptId: number) => Promise<boolean>) {
  const app = new OpenAPIHono();
  const target = async (c: Context, method: 'GET' | 'PUT') => {
    const bucket = c.req.param('bucket')!;
    const key = keyAfter(c, `${SIGNED_PATH}/${bucket}/`);
    const attempt = c.req.query('attempt');
    const why = objects.verify(method, bucket, key, {
      method: c.req.query('method'),
      expires: c.req.query('expires'),
      sig: c.req.query('sig'),
      ...(attempt === undefined ? {} : { attempt }),
    });
    if (why) throw new BatchError('FORBIDDEN', why);
    if (attempt !== undefined && !(await attemptActive(Number(attempt))))
      throw new BatchError('FORBIDDEN', `the attempt this URL was granted to (${attempt}) has ended`);
    return { bucket, key };
  };

  serve(
    app,
    {
      ...signed,
      method: 'get',
      path: '/{bucket}/{key}',
      operationId: 'getSignedObject',
      summary: 'Download by a signed URL',
      responses: { 200: { description: 'The bytes', content: bytes } },
    },
    async (c) => {
      const { bucket, key } = await target(c, 'GET');
      const found = await objects.get(bucket, key);
      if (!found) throw new BatchError('NOT_FOUND', `object oss://${bucket}/${key} not found`);
      return new Response(Readable.toWeb(found.body) as ReadableStream, {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(found.info.size),
          'x-batch-sha256': found.info.sha256 ?? '',
        },
      });
    },
  );

  serve(
    app,
    {
      ...signed,
      method: 'put',
      path: '/{bucket}/{key}',
      operationId: 'putSignedObject',
      summary: 'Upload by a signed URL',
      request: { ...signed.request, body: { required: true, content: bytes } },
      responses: {
        200: {
          description: 'Stored',
          content: {
            'application/json': { schema: z.object({ key: z.string(), size: z.number().int(), sha256: z.string() }) },
          },
        },
      },
    },
    async (c) => {
      const { bucket, key } = await target(c, 'PUT');
      const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as never) : Readable.from([]);
      try {
        const info = await objects.put(bucket, key, body);
        return c.json({ key, size: info.size, sha256: info.sha256 }, 200);
      } catch (err) {
        if (err instanceof DigestMismatchError) throw new BatchError('BAD_REQUEST', err.message);
        throw new BatchError('BAD_REQUEST', `upload failed: ${(err as Error).message}`);
      }
    },
  );
  return app;
}
