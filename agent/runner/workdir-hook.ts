/** The attempt's fresh work dir. It is kept afterwards for inspection (workdir.ts sweeps it). */
import { describeError } from '../log.js';
import { prepareWorkDir } from '../workdir.js';
import { fail } from './failure.js';
import type { AttemptHook } from './hook.js';

export function workDirHook(agentDir: string, workDir: string): AttemptHook {
  return {
    name: 'work dir',
    async prepare() {
      try {
        await prepareWorkDir(agentDir, workDir);
      } catch (err) {
        throw fail('AGENT_ERROR', `cannot create work dir ${workDir}: ${describeError(err)}`, true);
      }
    },
  };
}
