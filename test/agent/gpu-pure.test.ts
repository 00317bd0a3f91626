/**
 * GPUs without processes: reading nvidia-smi's answer, what a node offers given `--gpu`, which
 * attempt holds which device, and the variables an attempt sees.
 */
import t from 'tap';
import { GpuAllocator, GpuShortage } from '../../agent/gpus/gpu-allocator.js';
import { gpuEnv } from '../../agent/gpus/gpu-env.js';
import { parseNvidiaSmi } from '../../agent/gpus/nvidia-smi-output.js';
import { offeredGpus } from '../../agent/gpus/offered-gpus.js';
import { instanceEnv } from '../../agent/instance-env.js';
import { fakeGpus, nvidiaSmiLines } from './fake-nvidia-smi.js';
import { startAttempt } from './fake-controller.js';

const A100 = '0, GPU-6f1c2a4e-8b1d-4f3a-9c55-0e7d2b9a1c33, NVIDIA A100-SXM4-80GB, 81920';
const T4 = '1, GPU-1a2b3c4d-0000-1111-2222-333344445555, Tesla T4, 15360';

t.test('nvidia-smi lines become GPUs, in index order', async (t) => {
  t.same(parseNvidiaSmi(`${T4}\r\n${A100}\r\n`), {
    gpus: [
      { index: 0, uuid: 'GPU-6f1c2a4e-8b1d-4f3a-9c55-0e7d2b9a1c33', model: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
      { index: 1, uuid: 'GPU-1a2b3c4d-0000-1111-2222-333344445555', model: 'Tesla T4', memoryMiB: 15360 },
    ],
    skipped: [],
  });
  t.same(parseNvidiaSmi(''), { gpus: [], skipped: [] }, 'no GPUs: nothing printed');
  t.same(parseNvidiaSmi('\n  \n'), { gpus: [], skipped: [] }, 'blank lines are not GPUs nor garbage');
});

t.test('odd but real answers are read', async (t) => {
  const [mig] = parseNvidiaSmi('3, MIG-5a6b7c8d-1111-2222-3333-444455556666, NVIDIA A30, [N/A]').gpus;
  t.same(mig, {
    index: 3,
    uuid: 'MIG-5a6b7c8d-1111-2222-3333-444455556666',
    model: 'NVIDIA A30',
    memoryMiB: undefined,
  });
  const [comma] = parseNvidiaSmi('0, GPU-aa, Quadro RTX 8000, with, commas, 49152').gpus;
  t.equal(comma?.model, 'Quadro RTX 8000, with, commas', 'the fields between the uuid and the memory are the name');
  t.equal(comma?.memoryMiB, 49152);
  const [control] = parseNvidiaSmi('0, GPU-aa, Tesla\u0007 V100\u001b, 16384').gpus;
  t.equal(control?.model, 'Tesla V100', 'control characters never reach the hello');
  const [long] = parseNvidiaSmi(`0, GPU-aa, ${'x'.repeat(500)}, 1`).gpus;
  t.equal(long?.model.length, 128, 'a model name is cut to what the hello accepts');
});

t.test('what is not a GPU is skipped and returned, never half-trusted', async (t) => {
  const garbage = [
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    'index, uuid, name, memory.total [MiB]',
    'x, GPU-aa, Tesla T4, 15360',
    '-1, GPU-aa, Tesla T4, 15360',
    '0, not-a-uuid, Tesla T4, 15360',
    '0, GPU-aa, , 15360',
    '0, GPU-aa, Tesla T4, 15 GiB',
    '0, GPU-aa, Tesla T4',
    '\u0000\u0001\u0002',
  ];
  const reading = parseNvidiaSmi([...garbage, A100, T4].join('\n'));
  t.same(
    reading.gpus.map((g) => g.index),
    [0, 1],
    'the readable lines among them still count',
  );
  t.same(reading.skipped, garbage);
  const dup = parseNvidiaSmi(`${A100}\n${A100.replace('0, ', '5, ')}\n${T4.replace('1, ', '0, ')}`);
  t.equal(dup.gpus.length, 1, 'a uuid or index listed twice is one device');
  t.equal(dup.skipped.length, 2);
});

t.test('without --gpu the node offers what nvidia-smi listed, named by uuid', async (t) => {
  const detected = parseNvidiaSmi(nvidiaSmiLines(fakeGpus(2))).gpus;
  const gpus = offeredGpus(detected, undefined);
  t.same(
    gpus.offered.map((g) => g.id),
    detected.map((g) => g.uuid),
  );
  t.same(gpus.offered[0]?.description, { index: 0, model: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 });
  t.ok(gpus.present);
  t.same(offeredGpus([], undefined), { offered: [], present: false, summary: 'no GPUs detected, none offered' });
});

t.test('an explicit --gpu count wins: the first N detected, or N by index when none are', async (t) => {
  const detected = parseNvidiaSmi(nvidiaSmiLines(fakeGpus(4))).gpus;
  const two = offeredGpus(detected, 2);
  t.same(
    two.offered.map((g) => g.index),
    [0, 1],
  );
  t.ok(two.present, 'the other two are on the node, kept from every task');
  const none = offeredGpus(detected, 0);
  t.same(none.offered, []);
  t.ok(none.present, '--gpu 0 on a GPU host: tasks see no GPU at all');

  const blind = offeredGpus([], 3);
  t.same(blind.offered, [
    { id: '0', index: 0 },
    { id: '1', index: 1 },
    { id: '2', index: 2 },
  ]);
  t.ok(blind.present);
  t.notOk(offeredGpus([], 0).present);

  const more = offeredGpus(detected.slice(0, 1), 3);
  t.equal(more.offered.length, 1, 'never a device nvidia-smi says is not there');
  t.match(more.summary, /--gpu 3 but only 1 detected/);
});

t.test('the allocator never gives a device twice, and takes it back', async (t) => {
  const allocator = new GpuAllocator(offeredGpus(parseNvidiaSmi(nvidiaSmiLines(fakeGpus(3))).gpus, undefined));
  const a = allocator.acquire(1, 1).map((g) => g.index);
  const b = allocator.acquire(2, 1).map((g) => g.index);
  t.same([a, b], [[0], [1]]);
  t.throws(() => allocator.acquire(3, 2), GpuShortage, 'two asked, one free: refused, not shared');
  t.equal(allocator.freeCount, 1, 'a refusal takes nothing');
  allocator.release(1);
  t.same(
    allocator.acquire(3, 2).map((g) => g.index),
    [0, 2],
    'the freed device is given again',
  );
  allocator.release(99);
  t.equal(allocator.freeCount, 0, 'releasing an attempt that holds nothing frees nothing');
  allocator.release(2);
  allocator.release(3);
  t.equal(allocator.freeCount, 3);
  t.same(allocator.acquire(4, 0), [], 'none asked, none given');
});

t.test('the GPU variables an attempt sees', async (t) => {
  const offered = offeredGpus(parseNvidiaSmi(nvidiaSmiLines(fakeGpus(2))).gpus, undefined).offered;
  t.same(gpuEnv(true, offered), {
    CUDA_VISIBLE_DEVICES: `${offered[0]!.id},${offered[1]!.id}`,
    NVIDIA_VISIBLE_DEVICES: `${offered[0]!.id},${offered[1]!.id}`,
  });
  t.same(gpuEnv(true, []), { CUDA_VISIBLE_DEVICES: '', NVIDIA_VISIBLE_DEVICES: 'none' }, 'asked none: shown none');
  t.same(gpuEnv(false, []), {}, 'a node without GPUs changes nothing');
  t.same(gpuEnv(true, undefined), {}, 'an older controller did not say: nothing changes');

  const env = instanceEnv(
    { PATH: '/bin', CUDA_VISIBLE_DEVICES: '0,1,2,3' },
    startAttempt(1, 'true', { env: { CUDA_VISIBLE_DEVICES: '0,1' } }),
    { nodeId: 'n', workDir: '/w', gpuEnv: gpuEnv(true, offered.slice(1)) },
  );
  t.equal(env.CUDA_VISIBLE_DEVICES, offered[1]!.id, "neither the agent's nor the task's env can widen it");
});
