/** `users list`, `tokens list`, `envs tokens`, `audit`. */
import type { AuditEvent, RegistrationTokenInfo, TokenInfo, User } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function usersTable(users: readonly User[], now = Date.now()): string {
  if (users.length === 0) return 'No users.';
  return formatTable(
    ['ID', 'NAME', 'ADMIN', 'STATE', 'JOBS', 'CREATED'],
    users.map((u) => [
      u.id,
      u.name,
      u.admin ? 'yes' : 'no',
      u.disabled ? 'disabled' : 'active',
      `${u.usage.jobs}/${u.quotas.jobs ?? '-'}`,
      formatTime(u.createdAt, now),
    ]),
  );
}

const when = (time: string | null, now: number) => (time === null ? '-' : formatTime(time, now));

export function tokensTable(tokens: readonly TokenInfo[], now = Date.now()): string {
  if (tokens.length === 0) return 'No tokens.';
  return formatTable(
    ['ID', 'NAME', 'USER', 'CREATED', 'LAST USED', 'EXPIRES'],
    tokens.map((t) => [
      t.id,
      t.name,
      t.user,
      formatTime(t.createdAt, now),
      when(t.lastUsedAt, now),
      t.expiresAt === null ? 'never' : formatTime(t.expiresAt, now),
    ]),
  );
}

export function registrationTokensTable(tokens: readonly RegistrationTokenInfo[], now = Date.now()): string {
  if (tokens.length === 0) return 'No registration tokens.';
  return formatTable(
    ['ID', 'CREATED BY', 'CREATED', 'EXPIRES', 'USES'],
    tokens.map((t) => [
      t.id,
      t.createdBy,
      formatTime(t.createdAt, now),
      t.expiresAt === null ? 'never' : formatTime(t.expiresAt, now),
      `${t.uses}/${t.maxUses ?? 'any'}`,
    ]),
  );
}

export function auditTable(events: readonly AuditEvent[], now = Date.now()): string {
  if (events.length === 0) return 'No audit events.';
  return formatTable(
    ['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'DETAIL'],
    events.map((e) => [
      String(e.id),
      formatTime(e.at, now),
      e.actor,
      e.action,
      e.target,
      Object.keys(e.detail).length === 0 ? '' : JSON.stringify(e.detail),
    ]),
  );
}
