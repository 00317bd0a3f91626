/** The object key in a route like `/v1/oss/:bucket/*`: the rest of the path, decoded per segment. */
import type { Context } from 'hono';
import { BatchError } from '../../protocol/errors.js';

export function keyAfter(c: Context, marker: string): string {
  const path = new URL(c.req.url).pathname;
  const at = path.indexOf(marker);
  if (at < 0) throw new BatchError('BAD_REQUEST', 'no object key in the path');
  try {
    return path
      .slice(at + marker.length)
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    throw new BatchError('BAD_REQUEST', 'the object key is not valid percent-encoding');
  }
}
