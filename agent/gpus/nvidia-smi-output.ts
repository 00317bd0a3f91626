/**
 * Reads the answer of `nvidia-smi --query-gpu=index,uuid,name,memory.total
 * --format=csv,noheader,nounits`: one line per GPU, e.g.
 *
 *   0, GPU-6f1c2a4e-8b1d-4f3a-9c55-0e7d2b9a1c33, NVIDIA A100-SXM4-80GB, 81920
 *
 * Pure, and forgiving of what a driver may print instead: a line it cannot read is skipped and
 * returned, so the caller can say so, rather than trusted half-way. nvidia-smi does not quote
 * CSV, so a comma inside a model name splits it: the fields around the name are fixed, and what
 * lies between them is the name.
 */

/** A GPU as nvidia-smi lists it. */
export interface NvidiaGpu {
  /** nvidia-smi's index: PCI bus order, which is not CUDA's default (fastest first). */
  index: number;
  /** `GPU-…` (or `MIG-…`): the same board whatever the order or the other boards. */
  uuid: string;
  model: string;
  /** Undefined when nvidia-smi says `[N/A]` or `[Not Supported]`. */
  memoryMiB: number | undefined;
}

export interface NvidiaSmiReading {
  gpus: NvidiaGpu[];
  /** Lines that were not a GPU (a driver message, garbage), as printed. */
  skipped: string[];
}

const MAX_MODEL_LENGTH = 128;
const UUID = /^(GPU|MIG)-[0-9A-Za-z-]{1,128}$/;
const WHOLE = /^\d{1,9}$/;
// Not printable on one line: the model goes into the hello, which refuses such text.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function parseNvidiaSmi(text: string): NvidiaSmiReading {
  const gpus: NvidiaGpu[] = [];
  const skipped: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const gpu = parseLine(line);
    const duplicate = gpu && gpus.some((g) => g.index === gpu.index || g.uuid === gpu.uuid);
    if (gpu && !duplicate) gpus.push(gpu);
    else skipped.push(line);
  }
  gpus.sort((a, b) => a.index - b.index);
  return { gpus, skipped };
}

function parseLine(line: string): NvidiaGpu | undefined {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length < 4) return undefined;
  const index = fields[0]!;
  const uuid = fields[1]!;
  const memory = fields[fields.length - 1]!;
  const model = fields.slice(2, -1).join(', ').replace(UNPRINTABLE, '').trim().slice(0, MAX_MODEL_LENGTH);
  if (!WHOLE.test(index) || !UUID.test(uuid) || model === '') return undefined;
  if (!WHOLE.test(memory) && !/^\[.*\]$/.test(memory)) return undefined;
  return {
    index: Number(index),
    uuid,
    model,
    memoryMiB: WHOLE.test(memory) ? Number(memory) : undefined,
  };
}
