/** Who is calling: the user behind an API token, as every domain module receives it. */
import { BatchError } from '../../protocol/errors.js';

export interface Caller {
  id: string;
  name: string;
  admin: boolean;
  quotas: Record<string, number>;
  /** The token this request came with (absent for the controller's own work, e.g. schedules). */
  tokenId?: string;
}

export function requireAdmin(caller: Caller): void {
  if (!caller.admin) throw new BatchError('FORBIDDEN', 'only an admin may do this');
}
