/**
 * Authenticates an agent's `hello`: a registration token creates a node and returns its own
 * credential (shown once); later connections present `{ nodeId, credential }`.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Hello, Reject } from '../../protocol/messages.js';
import type { NodeState } from '../../protocol/states.js';
import { isProtocolSupported, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import type { Database } from '../db/client.js';
import { nodes, registrationTokens } from '../db/schema.js';
import { stateIn, stateValue } from '../db/state-sql.js';

/** What a connection observes: the node is alive. Drain and undrain are intent, applied by the scheduler. */
const CONNECTED: NodeState = 'READY';
import { hashSecret, newId, newSecret, secretMatches } from '../secrets.js';

export type HandshakeResult =
  { ok: true; nodeId: string; environmentId: string; credential?: string } | { ok: false; reject: Reject };

const reject = (code: Reject['code'], message: string, retryable: boolean): HandshakeResult => ({
  ok: false,
  reject: { kind: 'reject', code, message, retryable },
});

/** Labels every node has, so tasks can select on them without the operator setting them. */
function nodeLabels(hello: Hello): Record<string, string> {
  return { os: hello.os, arch: hello.arch, hostname: hello.hostname, ...hello.labels };
}

export async function handshake(store: Database, hello: Hello): Promise<HandshakeResult> {
  if (!isProtocolSupported(hello.protocolVersion)) {
    return reject(
      'PROTOCOL_UNSUPPORTED',
      `agent protocol ${hello.protocolVersion} is not supported by this controller (it speaks ${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}); install a matching batch-agent`,
      false,
    );
  }
  const observed = {
    labels: nodeLabels(hello),
    cpu: hello.capacity.cpu,
    memoryMiB: hello.capacity.memoryMiB,
    gpu: hello.capacity.gpu,
    agentVersion: hello.agentVersion,
    protocolVersion: hello.protocolVersion,
    hostname: hello.hostname,
    os: hello.os,
    arch: hello.arch,
    lastHeartbeatAt: new Date(),
  };

  if ('registrationToken' in hello.auth) {
    const [token] = await store.db
      .select()
      .from(registrationTokens)
      .where(eq(registrationTokens.tokenHash, hashSecret(hello.auth.registrationToken)));
    if (!token || (token.expiresAt && token.expiresAt.getTime() < Date.now())) {
      return reject(
        'UNAUTHENTICATED',
        'the registration token is unknown or expired; get one with `batchctl envs token ENV`',
        false,
      );
    }
    const nodeId = newId('n');
    const credential = newSecret('node');
    await store.db.insert(nodes).values({
      id: nodeId,
      environmentId: token.environmentId,
      name: hello.hostname,
      state: CONNECTED,
      credentialHash: hashSecret(credential),
      ...observed,
    });
    return { ok: true, nodeId, environmentId: token.environmentId, credential };
  }

  const [node] = await store.db.select().from(nodes).where(eq(nodes.id, hello.auth.nodeId));
  if (!node || !secretMatches(hello.auth.credential, node.credentialHash)) {
    return reject('UNAUTHENTICATED', 'unknown node or wrong credential', false);
  }
  if (node.state === 'TERMINATED')
    return reject('NODE_TERMINATED', `node ${node.id} was terminated; register it again`, false);
  // A node that was being provisioned or was lost is alive again; a draining one stays draining.
  const alive = sql`CASE WHEN ${stateIn('nodes', ['PROVISIONING', 'LOST'])} THEN ${stateValue('nodes', CONNECTED)} ELSE ${nodes.state} END`;
  await store.db
    .update(nodes)
    .set({ ...observed, state: alive })
    .where(and(eq(nodes.id, node.id)));
  return { ok: true, nodeId: node.id, environmentId: node.environmentId };
}
