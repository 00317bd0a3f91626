/**
 * Asking nvidia-smi, for real: a fake one (fake-nvidia-smi.ts) that answers, fails, hangs or
 * prints garbage. Whatever it does, detection ends in time with a list, never an exception.
 */
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { detectGpus } from '../../agent/gpus/detect-gpus.js';
import { NVIDIA_SMI_DEFAULTS, NvidiaSmiMissing, queryNvidiaSmi } from '../../agent/gpus/query-nvidia-smi.js';
import { tmpDir } from '../support/tmp.js';
import { fakeGpus, fakeNvidiaSmi } from './fake-nvidia-smi.js';

const fake = (dir: string, timeoutMs = NVIDIA_SMI_DEFAULTS.timeoutMs) => ({
  ...NVIDIA_SMI_DEFAULTS,
  program: join(dir, 'nvidia-smi'),
  timeoutMs,
});

t.test('the GPUs nvidia-smi lists are detected', async (t) => {
  const gpus = fakeGpus(4);
  const detected = await detectGpus(fake(fakeNvidiaSmi(t, { gpus })));
  t.same(
    detected,
    gpus.map((g) => ({ index: g.index, uuid: g.uuid, model: g.model, memoryMiB: g.memoryMiB })),
  );
});

t.test('no nvidia-smi: no GPUs, and the query says it is missing rather than failing', async (t) => {
  const absent = { ...NVIDIA_SMI_DEFAULTS, program: join(tmpDir(t), 'nvidia-smi') };
  await t.rejects(queryNvidiaSmi(absent), NvidiaSmiMissing);
  t.same(await detectGpus(absent), []);
});

t.test('an nvidia-smi that fails (no driver): no GPUs, and why', async (t) => {
  const dir = fakeNvidiaSmi(t, { fails: 9 });
  await t.rejects(queryNvidiaSmi(fake(dir)), /exited with code 9: NVIDIA-SMI has failed/);
  t.same(await detectGpus(fake(dir)), []);
});

t.test('an nvidia-smi that hangs is given up on at the timeout', async (t) => {
  const dir = fakeNvidiaSmi(t, { hangs: true });
  const started = Date.now();
  await t.rejects(queryNvidiaSmi(fake(dir, 300)), /gave no answer within 300 ms/);
  t.same(await detectGpus(fake(dir, 300)), []);
  t.ok(Date.now() - started < 5_000, 'well before the fake would have ended');
});

t.test('garbage: no GPUs; a flood: cut off at the output limit', async (t) => {
  const garbage = fakeNvidiaSmi(t, { prints: 'Segmentation fault\n\u0000\u0001 ,,,, \nGPU 0: lots\n' });
  t.same(await detectGpus(fake(garbage)), []);

  const dir = tmpDir(t);
  const flood = join(dir, 'nvidia-smi');
  writeFileSync(flood, '#!/bin/sh\nexec yes "0, GPU-aa, Tesla T4, 15360"\n');
  chmodSync(flood, 0o755);
  const opts = { ...NVIDIA_SMI_DEFAULTS, program: flood };
  await t.rejects(queryNvidiaSmi(opts), /printed more than 65536 bytes/);
  t.same(await detectGpus(opts), []);
});
