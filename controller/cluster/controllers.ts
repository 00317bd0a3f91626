/** The controllers sharing the database as the API shows them (`GET /v1/controllers`, admin). */
import { sql } from 'drizzle-orm';
import type { ControllerInfo } from '../../protocol/api.js';
import type { Database } from '../db/client.js';
import { LEASE_TTL_MS } from './leases.js';

interface Row {
  id: string;
  hostname: string;
  pid: number;
  url: string;
  version: string;
  state: ControllerInfo['state'];
  connected_nodes: number;
  leases: string[];
  started_at: string;
  last_seen_at: string;
}

/** Every controller not yet forgotten, those up first; leases only while unexpired. */
export async function listControllers(store: Database): Promise<ControllerInfo[]> {
  const rows = await store.rows<Row>(sql`
    SELECT c.id, c.hostname, c.pid, c.url, c.version, c.connected_nodes,
           CASE WHEN c.stopped_at IS NOT NULL THEN 'stopped'
                WHEN c.last_seen_at > now() - make_interval(secs => ${LEASE_TTL_MS / 1000}) THEN 'up'
                ELSE 'silent' END AS state,
           coalesce((SELECT array_agg(l.duty ORDER BY l.duty) FROM controller_leases l
                     WHERE l.holder = c.id AND l.expires_at > now()), '{}') AS leases,
           to_json(c.started_at)#>>'{}' AS started_at, to_json(c.last_seen_at)#>>'{}' AS last_seen_at
    FROM controllers c
    ORDER BY c.stopped_at IS NOT NULL, c.last_seen_at DESC`);
  return rows.map((r) => ({
    id: r.id,
    hostname: r.hostname,
    pid: r.pid,
    url: r.url,
    version: r.version,
    state: r.state,
    connectedNodes: r.state === 'up' ? r.connected_nodes : 0,
    leases: r.leases,
    startedAt: new Date(r.started_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
  }));
}
