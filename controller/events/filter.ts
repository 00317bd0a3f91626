/** Which events a subscriber receives: its own (all, for an admin), narrowed by the query. */
import type { EventKind } from '../../protocol/api.js';
import type { StreamEvent } from './view.js';

export interface EventFilter {
  /** Only this user's events; absent for an admin. */
  ownerId?: string;
  jobId?: string;
  kinds?: readonly EventKind[];
  states?: readonly string[];
}

export function matches(filter: EventFilter, e: StreamEvent): boolean {
  if (filter.ownerId !== undefined && e.ownerId !== filter.ownerId) return false;
  if (filter.jobId !== undefined && e.event.jobId !== filter.jobId) return false;
  if (filter.kinds !== undefined && !filter.kinds.includes(e.event.kind)) return false;
  if (filter.states !== undefined && !filter.states.includes(e.event.state)) return false;
  return true;
}
