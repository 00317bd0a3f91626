/**
 * API tokens: stored as sha256, shown once at creation, resolved to their user on every request.
 * A token stops working when it expires, is revoked (deleted) or its user is disabled.
 */
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Token, TokenInfo } from '../../protocol/api.js';
import { notFound } from '../../protocol/errors.js';
import type { Database } from '../db/client.js';
import { apiTokens, users } from '../db/schema.js';
import { hashSecret, newId, newSecret } from '../secrets.js';
import { recordAudit } from './audit.js';
import type { Caller } from './caller.js';

/** `last_used_at` is written when it is older than this: a busy client costs one write a minute. */
const LAST_USE_RESOLUTION_MS = 60_000;

export type TokenCheck = { caller: Caller } | { refused: string };

export async function callerByToken(store: Database, token: string): Promise<TokenCheck> {
  const [row] = await store.db
    .select({
      tokenId: apiTokens.id,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      id: users.id,
      name: users.name,
      admin: users.admin,
      quotas: users.quotas,
      disabledAt: users.disabledAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashSecret(token)));
  if (!row) return { refused: 'unknown or revoked token' };
  const now = Date.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now) return { refused: 'the token has expired' };
  if (row.disabledAt) return { refused: `user "${row.name}" is disabled` };
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USE_RESOLUTION_MS) {
    await store.db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(
        and(
          eq(apiTokens.id, row.tokenId),
          or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now - LAST_USE_RESOLUTION_MS))),
        ),
      );
  }
  return { caller: { id: row.id, name: row.name, admin: row.admin, quotas: row.quotas, tokenId: row.tokenId } };
}

/** A new token for the caller themselves; the token is returned once and never stored. */
export async function createApiToken(
  store: Database,
  caller: Caller,
  request: { name: string; ttlSeconds?: number | undefined },
): Promise<Token> {
  const token = newSecret('bat');
  const id = newId('t');
  const expiresAt = request.ttlSeconds === undefined ? null : new Date(Date.now() + request.ttlSeconds * 1000);
  await store.db
    .insert(apiTokens)
    .values({ id, userId: caller.id, name: request.name, tokenHash: hashSecret(token), expiresAt });
  await recordAudit(store, { actor: caller.name, action: 'token.created', target: id, detail: { name: request.name } });
  return { id, token, user: caller.name, name: request.name, expiresAt: expiresAt?.toISOString() ?? null };
}

/** The caller's tokens; an admin may name another user, or `*` for everyone's. */
export async function listApiTokens(store: Database, caller: Caller, user?: string): Promise<TokenInfo[]> {
  const whose =
    user === undefined || user === caller.name
      ? eq(users.id, caller.id)
      : caller.admin
        ? user === '*'
          ? sql`true`
          : eq(users.name, user)
        : eq(users.id, caller.id);
  const rows = await store.db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      user: users.name,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      expiresAt: apiTokens.expiresAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(whose)
    .orderBy(asc(users.name), asc(apiTokens.createdAt));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    user: r.user,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
  }));
}

/** Revokes (deletes) a token: the caller's own, or anyone's for an admin. It stops working at once. */
export async function revokeApiToken(store: Database, caller: Caller, id: string): Promise<void> {
  const own = caller.admin ? sql`true` : eq(apiTokens.userId, caller.id);
  const deleted = await store.db
    .delete(apiTokens)
    .where(and(eq(apiTokens.id, id), own))
    .returning({ id: apiTokens.id, userId: apiTokens.userId });
  if (deleted.length === 0) throw notFound('token', id);
  await recordAudit(store, { actor: caller.name, action: 'token.revoked', target: id });
}
