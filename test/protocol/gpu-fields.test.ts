/**
 * The GPU fields are additive: a hello may describe its GPUs and a startAttempt may carry the
 * placed resources, and a peer that knows neither drops them (zod objects strip unknown keys),
 * while the strict `capacity` (which is why the descriptions live beside it) still refuses extras.
 */
import t from 'tap';
import { z } from 'zod';
import { decodeAgentFrame, decodeControllerFrame, encodeFrame } from '../../protocol/codec.js';
import { helloSchema, startAttemptSchema, type Hello, type StartAttempt } from '../../protocol/messages.js';

const hello: Hello = {
  kind: 'hello',
  protocolVersion: 2,
  agentVersion: '0.1.0',
  auth: { nodeId: 'node-1', credential: 'secret' },
  hostname: 'gpu-01',
  os: 'linux',
  arch: 'x64',
  capacity: { cpu: 32, memoryMiB: 262144, gpu: 2 },
  gpus: [
    { index: 0, model: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 },
    { index: 1, model: 'NVIDIA A30' },
  ],
  labels: {},
  capabilities: [],
  running: [],
};

const start: StartAttempt = {
  kind: 'startAttempt',
  attemptId: 9,
  jobId: 'job-1',
  jobName: 'train',
  taskName: 'fit',
  index: 0,
  count: 1,
  attempt: 1,
  command: 'python fit.py',
  env: {},
  timeoutSeconds: 0,
  computeEnvironment: 'gpu-pool',
  resources: { cpu: 8, memoryMiB: 32768, gpu: 2 },
};

t.test('both fields survive the wire', async (t) => {
  t.same(decodeAgentFrame(encodeFrame([hello])).messages, [hello]);
  t.same(decodeControllerFrame(encodeFrame([start])).messages, [start]);
});

t.test('a peer of before the fields reads the rest and drops them', async (t) => {
  const { gpus: _gpus, ...oldHello } = helloSchema.shape;
  const { resources: _resources, ...oldStart } = startAttemptSchema.shape;
  const { gpus: _described, ...helloWithout } = hello;
  const { resources: _placed, ...startWithout } = start;
  t.strictSame(z.object(oldHello).parse(hello), helloWithout, 'an older controller');
  t.strictSame(z.object(oldStart).parse(start), startWithout, 'an older agent');
});

t.test('capacity stays strict: a device list inside it would fail an older controller', async (t) => {
  t.notOk(helloSchema.safeParse({ ...hello, capacity: { ...hello.capacity, gpus: hello.gpus } }).success);
});
