/**
 * The attempt's log streams. First in the hook list, so its cleanup runs last: every `[batch]`
 * line of the other cleanups (unmounts) is in the log before it is closed, and the close cuts
 * the last chunks before the final status is reported.
 */
import type { LogShipper } from '../log-shipper.js';
import type { AttemptHook } from './hook.js';

export function logsHook(logs: LogShipper, attemptId: number): AttemptHook {
  return {
    name: 'logs',
    async cleanup() {
      logs.close(attemptId);
    },
  };
}
