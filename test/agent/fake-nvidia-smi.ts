/**
 * A fake `nvidia-smi`: a shell script in a temporary directory, put first on the PATH of the
 * agent under test. Asked the agent's query it prints what the test gave (a list of GPUs, or
 * anything else); asked anything else it fails, so a test also proves the query is the one the
 * agent documents.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NVIDIA_SMI_ARGS } from '../../agent/gpus/query-nvidia-smi.js';
import { tmpDir, type Teardown } from '../support/tmp.js';

export interface FakeGpu {
  index: number;
  uuid: string;
  model: string;
  memoryMiB: number;
}

/** `count` GPUs of one model, with made-up but well-formed UUIDs. */
export function fakeGpus(count: number, model = 'NVIDIA A100-SXM4-80GB', memoryMiB = 81920): FakeGpu[] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    uuid: `GPU-0000000${index}-1111-2222-3333-44444444444${index}`,
    model,
    memoryMiB,
  }));
}

/** The lines nvidia-smi prints for these GPUs (csv, noheader, nounits). */
export function nvidiaSmiLines(gpus: readonly FakeGpu[]): string {
  return gpus.map((g) => `${g.index}, ${g.uuid}, ${g.model}, ${g.memoryMiB}\n`).join('');
}

export type FakeBehaviour =
  | { gpus: readonly FakeGpu[] }
  /** Printed as is, exit 0. */
  | { prints: string }
  /** Never answers (until killed). */
  | { hangs: true }
  /** What nvidia-smi prints without a working driver, and its exit code. */
  | { fails: number };

/** Writes the script into a directory of its own and returns that directory. */
export function fakeNvidiaSmi(t: Teardown, behaviour: FakeBehaviour): string {
  const dir = tmpDir(t, 'batch-fake-nvidia-smi-');
  const script = join(dir, 'nvidia-smi');
  writeFileSync(
    join(dir, 'answer.txt'),
    'gpus' in behaviour ? nvidiaSmiLines(behaviour.gpus) : 'prints' in behaviour ? behaviour.prints : '',
  );
  const answer =
    'hangs' in behaviour
      ? 'exec sleep 300'
      : 'fails' in behaviour
        ? `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."; exit ${behaviour.fails}`
        : `cat "${join(dir, 'answer.txt')}"`;
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `if [ "$*" != "${NVIDIA_SMI_ARGS.join(' ')}" ]; then echo "fake nvidia-smi: unexpected arguments: $*" >&2; exit 2; fi`,
      answer,
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return dir;
}

/** PATH with `dir` first, as an operator's PATH with nvidia-smi in it. */
export function pathWith(dir: string): string {
  return `${dir}${delimiter}${process.env.PATH ?? ''}`;
}
