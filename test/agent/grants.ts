/** Answering the agent's `uploadRequest` as the controller would: one signed PUT URL per file. */
import type { AgentMessage, UploadGrant, UploadRequest } from '../../protocol/messages.js';
import type { FakeConnection } from './fake-controller.js';
import type { ObjectServer } from './object-server.js';

export function uploadRequestOf(conn: FakeConnection, attemptId: number): Promise<UploadRequest> {
  return conn.waitFor(
    `an uploadRequest of attempt ${attemptId}`,
    (m: AgentMessage): m is UploadRequest => m.kind === 'uploadRequest' && m.attemptId === attemptId,
  );
}

export function uploadRequestsOf(conn: FakeConnection, attemptId: number): UploadRequest[] {
  return conn.received.filter((m): m is UploadRequest => m.kind === 'uploadRequest' && m.attemptId === attemptId);
}

/** Files go to `/out/<path>` on the object server, named `oss://out-bucket/<path>` for messages. */
export function grantFor(request: UploadRequest, objects: ObjectServer): UploadGrant {
  return {
    kind: 'uploadGrant',
    attemptId: request.attemptId,
    requestId: request.requestId,
    uploads: request.files.map((f) => ({
      path: f.path,
      destination: `oss://out-bucket/${f.path}`,
      url: objects.url(`/out/${f.path}`),
    })),
  };
}
