/**
 * Which GPUs the node offers to tasks, from what nvidia-smi listed and the operator's `--gpu`.
 * Pure. An explicit count wins: with GPUs detected, the first N (by nvidia-smi index) are offered
 * and the rest are kept from every task; with none detected (no nvidia-smi, another vendor),
 * N devices numbered 0..N-1 are offered on the operator's word. It never offers more devices
 * than nvidia-smi listed, though: a device is never given to two attempts, and one that is not
 * there cannot be given to any.
 */
import type { GpuDescription } from '../../protocol/messages.js';
import type { NvidiaGpu } from './nvidia-smi-output.js';

/** A device an attempt may be given. */
export interface OfferedGpu {
  /**
   * What CUDA_VISIBLE_DEVICES names it by: the UUID when nvidia-smi gave one (CUDA numbers
   * devices fastest first, not in nvidia-smi's order, so an index could name another board), the
   * index otherwise.
   */
  id: string;
  index: number;
  /** From nvidia-smi; absent for a device known only from `--gpu`. */
  description?: GpuDescription;
}

export interface NodeGpus {
  offered: OfferedGpu[];
  /** GPUs on this host, offered or not: then an attempt is shown only the ones it was given. */
  present: boolean;
  /** How the offer came about, for the agent's log. */
  summary: string;
}

export function offeredGpus(detected: readonly NvidiaGpu[], explicit: number | undefined): NodeGpus {
  const described = detected.map((g): OfferedGpu => ({
    id: g.uuid,
    index: g.index,
    description: { index: g.index, model: g.model, ...(g.memoryMiB === undefined ? {} : { memoryMiB: g.memoryMiB }) },
  }));
  const list = (gpus: readonly OfferedGpu[]): string =>
    gpus.map((g) => `${g.index} ${g.description?.model ?? ''} (${g.description?.memoryMiB ?? '?'} MiB)`).join(', ');

  if (explicit === undefined) {
    const summary =
      described.length === 0
        ? 'no GPUs detected, none offered'
        : `offering the ${described.length} detected: ${list(described)}`;
    return { offered: described, present: described.length > 0, summary };
  }
  if (detected.length === 0) {
    const offered = Array.from({ length: explicit }, (_, index): OfferedGpu => ({ id: String(index), index }));
    const summary = `none detected; offering ${explicit} as --gpu says, numbered 0..${explicit - 1}`;
    return { offered, present: explicit > 0, summary: explicit === 0 ? 'none detected, none offered' : summary };
  }
  const offered = described.slice(0, explicit);
  const summary =
    explicit > detected.length
      ? `--gpu ${explicit} but only ${detected.length} detected; offering those: ${list(offered)}`
      : `offering ${explicit} of the ${detected.length} detected (--gpu ${explicit})${explicit > 0 ? `: ${list(offered)}` : ''}; tasks see no other`;
  return { offered, present: true, summary };
}
