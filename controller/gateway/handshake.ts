/**
 * Authenticates an agent's `hello`: a registration token creates a node and returns its own
 * credential (shown once); later connections present `{ nodeId, credential }`.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import type { Hello, Reject } from '../../protocol/messages.js';
import type { NodeState } from '../../protocol/states.js';
import { isProtocolSupported, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import type { Database } from '../db/client.js';
import { printable } from '../../protocol/limits.js';
import { recordAudit } from '../access/audit.js';
import { lockKey } from '../db/locks.js';
import { computeEnvironments, nodes, registrationTokens, users } from '../db/schema.js';
import { stateIn, stateValue } from '../db/state-sql.js';
import { quotaLimit } from '../quotas.js';

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

/**
 * A registration: the token must be known, unexpired and not used up, and the environment under
 * its owner's `nodesPerEnvironment` quota. Checked and counted under the environment's lock, so
 * concurrent registrations cannot all see the last free place.
 */
async function register(
  store: Database,
  hello: Hello,
  token: string,
  observed: Omit<typeof nodes.$inferInsert, 'id' | 'environmentId' | 'name' | 'state' | 'credentialHash'>,
): Promise<HandshakeResult> {
  const outcome = await store.transaction(async (tx): Promise<HandshakeResult | { refused: string; env?: string }> => {
    const [row] = await tx.db
      .select({ token: registrationTokens, env: computeEnvironments, quotas: users.quotas })
      .from(registrationTokens)
      .innerJoin(computeEnvironments, eq(computeEnvironments.id, registrationTokens.environmentId))
      .innerJoin(users, eq(users.id, computeEnvironments.ownerId))
      .where(eq(registrationTokens.tokenHash, hashSecret(token)));
    if (!row || (row.token.expiresAt && row.token.expiresAt.getTime() < Date.now()))
      return {
        refused: 'the registration token is unknown, revoked or expired; get one with `batchctl envs token ENV`',
      };
    // A provisioned node's own token: its quota was counted when the node was made, and the
    // token row alone serializes its one use (no environment-wide lock for a thousand booting nodes).
    if (row.token.nodeId !== null) return bindProvisioned(tx, row.token.id, row.token.nodeId, row.env.id, observed);
    await lockKey(tx, `nodes:${row.env.id}`);
    const [fresh] = await tx.db
      .select({ uses: registrationTokens.uses })
      .from(registrationTokens)
      .where(eq(registrationTokens.id, row.token.id));
    if (!fresh || (row.token.maxUses !== null && fresh.uses >= row.token.maxUses))
      return { refused: 'the registration token has been used up', env: row.env.name };
    const limit = quotaLimit(row.quotas, 'nodesPerEnvironment');
    const [live] = await tx.db
      .select({ n: count() })
      .from(nodes)
      .where(and(eq(nodes.environmentId, row.env.id), sql`NOT ${stateIn('nodes', ['TERMINATED'])}`));
    if ((live?.n ?? 0) >= limit)
      return {
        refused: `compute environment "${row.env.name}" is full: quota "nodesPerEnvironment" allows ${limit} nodes`,
        env: row.env.name,
      };
    await tx.db
      .update(registrationTokens)
      .set({ uses: sql`${registrationTokens.uses} + 1` })
      .where(eq(registrationTokens.id, row.token.id));
    const nodeId = newId('n');
    const credential = newSecret('node');
    await tx.db.insert(nodes).values({
      id: nodeId,
      environmentId: row.env.id,
      name: hello.hostname,
      state: CONNECTED,
      credentialHash: hashSecret(credential),
      ...observed,
    });
    return { ok: true, nodeId, environmentId: row.env.id, credential };
  });
  if ('refused' in outcome) {
    // An unknown token could be anyone's guess: that refusal is only logged (at a bounded rate).
    // A valid token refused (used up, environment full) is worth an admin's attention.
    if (outcome.env !== undefined)
      await recordAudit(store, {
        actor: printable(hello.hostname, 64),
        action: 'node.refused',
        target: outcome.env ?? '',
        detail: { why: outcome.refused },
      });
    return reject('UNAUTHENTICATED', outcome.refused, false);
  }
  if (outcome.ok) {
    await recordAudit(store, {
      actor: `node:${outcome.nodeId}`,
      action: 'node.registered',
      target: outcome.environmentId,
      detail: { hostname: printable(hello.hostname, 64) },
    });
  }
  return outcome;
}

/**
 * A provisioned node's own token: the first agent to present it becomes that node (counted
 * against the quota when the node was created), which turns READY. The token is spent.
 */
async function bindProvisioned(
  tx: Database,
  tokenId: string,
  nodeId: string,
  environmentId: string,
  observed: Omit<typeof nodes.$inferInsert, 'id' | 'environmentId' | 'name' | 'state' | 'credentialHash'>,
): Promise<HandshakeResult | { refused: string; env?: string }> {
  // Spending the use first, guarded, locks the token row: a second agent with it waits, then finds it spent.
  const spent = await tx.db
    .update(registrationTokens)
    .set({ uses: sql`${registrationTokens.uses} + 1` })
    .where(
      and(
        eq(registrationTokens.id, tokenId),
        sql`${registrationTokens.uses} < coalesce(${registrationTokens.maxUses}, 1)`,
      ),
    )
    .returning({ id: registrationTokens.id });
  if (spent.length === 0) return { refused: 'the registration token has been used up' };
  const credential = newSecret('node');
  const bound = await tx.db
    .update(nodes)
    .set({ ...observed, state: CONNECTED, credentialHash: hashSecret(credential), message: null })
    .where(and(eq(nodes.id, nodeId), stateIn('nodes', ['PROVISIONING'])))
    .returning({ id: nodes.id });
  if (bound.length === 0) return { refused: `node ${nodeId} this token was made for is no longer being provisioned` };
  return { ok: true, nodeId, environmentId, credential };
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
    gpus: hello.gpus ?? [],
    agentVersion: hello.agentVersion,
    protocolVersion: hello.protocolVersion,
    hostname: hello.hostname,
    os: hello.os,
    arch: hello.arch,
    lastHeartbeatAt: new Date(),
  };

  if ('registrationToken' in hello.auth) return register(store, hello, hello.auth.registrationToken, observed);

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
