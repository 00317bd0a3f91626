/**
 * Answers an agent's `uploadRequest`: for each file it wants to upload, the destination its
 * task's `outputs` mapping gives and a signed PUT URL for exactly that object. Only the node
 * running the attempt may ask, only while it runs, and only for paths the mapping covers.
 */
import { sql } from 'drizzle-orm';
import type { UploadGrant, UploadRequest } from '../../protocol/messages.js';
import { isRelativePath, type ResolvedTask } from '../../protocol/spec.js';
import { ACTIVE_ATTEMPT_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import { uploadTtlSeconds, type ObjectStore } from '../storage/object-store.js';
import { parseOssUrl } from '../storage/oss-url.js';

/** Pure: the oss:// destination of a work-dir file under an `outputs` mapping, if any covers it. */
export function destinationOf(outputs: Record<string, string>, file: string): string | undefined {
  for (const [source, destination] of Object.entries(outputs)) {
    if (source.endsWith('/')) {
      if (file.startsWith(source) && file.length > source.length) return destination + file.slice(source.length);
    } else if (file === source) {
      return destination.endsWith('/') ? destination + file.split('/').pop()! : destination;
    }
  }
  return undefined;
}

export async function grantUploads(
  store: Database,
  objects: ObjectStore,
  nodeId: string,
  request: UploadRequest,
): Promise<UploadGrant> {
  const grant: UploadGrant = {
    kind: 'uploadGrant',
    attemptId: request.attemptId,
    requestId: request.requestId,
    uploads: [],
  };
  const [row] = await store.rows<{ spec: ResolvedTask }>(sql`
    SELECT t.spec FROM attempts a
    JOIN instances i ON i.id = a.instance_id
    JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task_name
    WHERE a.id = ${request.attemptId} AND a.node_id = ${nodeId} AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}`);
  // SCHEDULED too: the agent's RUNNING report may still be in the report batcher.
  if (!row) return { ...grant, error: `attempt ${request.attemptId} is not running on this node` };
  try {
    for (const file of request.files) {
      const destination = isRelativePath(file.path) ? destinationOf(row.spec.outputs, file.path) : undefined;
      if (!destination) return { ...grant, uploads: [], error: `"${file.path}" is not covered by the task's outputs` };
      const { bucket, key } = parseOssUrl(destination);
      grant.uploads.push({
        path: file.path,
        destination,
        url: await objects.signPut(bucket, key, uploadTtlSeconds(file.size), request.attemptId),
      });
    }
  } catch (err) {
    return { ...grant, uploads: [], error: `cannot grant uploads: ${(err as Error).message}` };
  }
  return grant;
}
