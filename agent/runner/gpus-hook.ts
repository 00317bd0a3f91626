/**
 * Gives the attempt the GPUs it asked for (`resources.gpu`), first of all its steps, so a node
 * short of devices refuses it before any download; gives them back in cleanup, which runs on
 * every path (exit, kill, timeout, a failed step) before the final status is reported, so the
 * controller never places a new attempt on a device still held. `env()` is what the command sees.
 */
import type { GpuAllocator } from '../gpus/gpu-allocator.js';
import { gpuEnv } from '../gpus/gpu-env.js';
import type { OfferedGpu } from '../gpus/offered-gpus.js';
import { describeError } from '../log.js';
import { fail } from './failure.js';
import type { AttemptHook } from './hook.js';
import type { Say } from './setup-log.js';

export interface GpusHook extends AttemptHook {
  readonly env: () => Record<string, string>;
}

export interface GpusHookOptions {
  allocator: GpuAllocator;
  attemptId: number;
  /** Undefined when the controller did not say (an older one): then nothing is given or hidden. */
  wanted: number | undefined;
  say: Say;
}

export function gpusHook({ allocator, attemptId, wanted, say }: GpusHookOptions): GpusHook {
  let given: OfferedGpu[] | undefined;
  return {
    name: 'gpus',
    async prepare() {
      if (wanted === undefined || wanted === 0) {
        given = wanted === undefined ? undefined : [];
        return;
      }
      try {
        given = allocator.acquire(attemptId, wanted);
      } catch (err) {
        // another node (or this one, later) can run it: the controller retries without spending retries
        throw fail('AGENT_ERROR', `cannot give the attempt its GPUs: ${describeError(err)}`, true);
      }
      say(`gpus ${given.map((g) => `${g.id}${g.description ? ` (${g.description.model})` : ''}`).join(', ')}`);
    },
    async cleanup() {
      allocator.release(attemptId);
    },
    env: () => gpuEnv(allocator.nodeHasGpus, given),
  };
}
