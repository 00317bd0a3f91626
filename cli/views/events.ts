/** One event as one line: id, time, what changed, its new state, and why. */
import type { BatchEvent } from '../../protocol/api.js';

function subject(e: BatchEvent): string {
  switch (e.kind) {
    case 'job':
      return `job ${e.jobId ?? ''}`;
    case 'task':
      return `task ${e.jobId ?? ''}/${e.task ?? ''}`;
    case 'instance': {
      const attempt = e.attempt !== undefined ? ` (attempt ${e.attempt})` : '';
      return `instance ${e.jobId ?? ''}/${e.task ?? ''}/${e.instance ?? ''}${attempt}`;
    }
    case 'node':
      return `node ${e.nodeId ?? ''} (${e.environment ?? ''})`;
    case 'environment':
      return `environment ${e.environment ?? ''}`;
    case 'schedule':
      return `schedule ${typeof e.data?.name === 'string' ? e.data.name : ''}`;
  }
}

export function eventLine(e: BatchEvent): string {
  return [String(e.id), e.at, subject(e), e.state, e.reason ?? ''].join('  ').trimEnd();
}
