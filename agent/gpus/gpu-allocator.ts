/**
 * Which offered GPU belongs to which attempt. An attempt takes its devices before anything else
 * of it runs and gives them back when it has ended (every path: exit, kill, timeout, a failed
 * step), so no two attempts ever hold the same device. Attempts are not resumed across an agent
 * restart (a new agent kills what the old one left, main.ts), so this lives in memory only.
 *
 * The controller places by count, so a shortage here means the two disagree (a late kill, a
 * restarted agent): the attempt is refused rather than given a device another one holds.
 */
import type { NodeGpus, OfferedGpu } from './offered-gpus.js';

export class GpuShortage extends Error {
  constructor(wanted: number, free: number, offered: number) {
    super(
      `${wanted} GPU(s) asked for, but only ${free} of the node's ${offered} are free; GPUs are never shared between attempts`,
    );
    this.name = 'GpuShortage';
  }
}

export class GpuAllocator {
  readonly #offered: readonly OfferedGpu[];
  /** Device id → the attempt holding it. */
  readonly #holder = new Map<string, number>();
  /** GPUs on this host, offered or not (gpu-env.ts: then attempts see only their own). */
  readonly nodeHasGpus: boolean;

  constructor(gpus: Pick<NodeGpus, 'offered' | 'present'>) {
    this.#offered = gpus.offered;
    this.nodeHasGpus = gpus.present;
  }

  /** The first `count` free devices, in nvidia-smi order; throws GpuShortage when too few are free. */
  acquire(attemptId: number, count: number): OfferedGpu[] {
    const free = this.#offered.filter((g) => !this.#holder.has(g.id));
    if (free.length < count) throw new GpuShortage(count, free.length, this.#offered.length);
    const taken = free.slice(0, count);
    for (const g of taken) this.#holder.set(g.id, attemptId);
    return taken;
  }

  /** Gives back what the attempt holds; nothing when it holds nothing. */
  release(attemptId: number): void {
    for (const [id, holder] of this.#holder) if (holder === attemptId) this.#holder.delete(id);
  }

  get freeCount(): number {
    return this.#offered.length - this.#holder.size;
  }
}
