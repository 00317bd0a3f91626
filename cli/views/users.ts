/** `users list`. */
import type { User } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function usersTable(users: readonly User[], now = Date.now()): string {
  if (users.length === 0) return 'No users.';
  return formatTable(
    ['ID', 'NAME', 'ADMIN', 'CREATED'],
    users.map((u) => [u.id, u.name, u.admin ? 'yes' : 'no', formatTime(u.createdAt, now)]),
  );
}
