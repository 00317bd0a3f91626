/**
 * The variables that show an attempt its GPUs: CUDA_VISIBLE_DEVICES for CUDA programs and
 * NVIDIA_VISIBLE_DEVICES for containers run through the NVIDIA container toolkit, both the
 * comma-separated ids of the devices it was given (UUIDs, or indexes for devices known only from
 * `--gpu`). On a node with GPUs an attempt that asked for none is shown none (CUDA: an empty list;
 * the toolkit: `none`), so it cannot take a GPU another attempt was given. On a node without GPUs,
 * or when the controller did not say what the attempt asked for (an older controller), nothing is
 * set and the environment is the agent's, as before.
 */
import type { OfferedGpu } from './offered-gpus.js';

export function gpuEnv(nodeHasGpus: boolean, given: readonly OfferedGpu[] | undefined): Record<string, string> {
  if (!nodeHasGpus || given === undefined) return {};
  const ids = given.map((g) => g.id).join(',');
  return { CUDA_VISIBLE_DEVICES: ids, NVIDIA_VISIBLE_DEVICES: ids === '' ? 'none' : ids };
}
