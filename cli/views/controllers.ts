/** `controllers`: who shares the database, what each holds. */
import type { ControllerInfo } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function controllersTable(controllers: readonly ControllerInfo[], now = Date.now()): string {
  if (controllers.length === 0) return 'No controllers.';
  return formatTable(
    ['ID', 'URL', 'HOST', 'PID', 'VERSION', 'STATE', 'NODES', 'LEASES', 'STARTED', 'LAST SEEN'],
    controllers.map((c) => [
      c.id,
      c.url,
      c.hostname,
      String(c.pid),
      c.version,
      c.state,
      String(c.connectedNodes),
      c.leases.length === 0 ? '-' : c.leases.join(','),
      formatTime(c.startedAt, now),
      formatTime(c.lastSeenAt, now),
    ]),
  );
}
