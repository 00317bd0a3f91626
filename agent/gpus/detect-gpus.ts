/**
 * What GPUs this host has, asked once at start. Only nvidia-smi is asked: without it (no NVIDIA
 * driver) or when it fails, no GPUs are detected and the node offers what `--gpu` says, else none.
 * (systeminformation, which could list GPUs another way, was removed for good with issue #18.)
 * Never throws: a node that cannot tell its GPUs still runs CPU work.
 */
import { describeError, log } from '../log.js';
import { parseNvidiaSmi, type NvidiaGpu } from './nvidia-smi-output.js';
import { NVIDIA_SMI_DEFAULTS, NvidiaSmiMissing, queryNvidiaSmi, type NvidiaSmiOptions } from './query-nvidia-smi.js';

export async function detectGpus(opts: NvidiaSmiOptions = NVIDIA_SMI_DEFAULTS): Promise<NvidiaGpu[]> {
  let text: string;
  try {
    text = await queryNvidiaSmi(opts);
  } catch (err) {
    if (err instanceof NvidiaSmiMissing) log(`gpus: no ${opts.program} on PATH, so no GPUs detected`);
    else log(`gpus: ${opts.program} failed, so no GPUs detected: ${describeError(err)}`);
    return [];
  }
  const { gpus, skipped } = parseNvidiaSmi(text);
  if (skipped.length > 0) {
    const first = JSON.stringify(skipped[0]!.slice(0, 120));
    log(`gpus: ${skipped.length} line(s) of ${opts.program} output name no GPU and were skipped, the first: ${first}`);
  }
  return gpus;
}
