/**
 * The wire codec: every message of the catalogue survives a round trip, and every malformed frame
 * is a ProtocolError whose message says what was wrong. Unknown kinds are not errors.
 */
import { Packr } from 'msgpackr';
import t, { type Test } from 'tap';
import { decodeAgentFrame, decodeControllerFrame, encodeFrame, ProtocolError } from '../../protocol/codec.js';
import {
  AGENT_MESSAGE_KINDS,
  CONTROLLER_MESSAGE_KINDS,
  MAX_FRAME_BYTES,
  MAX_LOG_CHUNK_BYTES,
  MAX_MESSAGES_PER_FRAME,
  type AgentMessage,
  type ControllerMessage,
  type LogChunk,
} from '../../protocol/messages.js';

/** Packs anything, bypassing the encoder's checks, to build frames a broken peer might send. */
const rawPack = (value: unknown): Uint8Array => new Packr({ useRecords: false }).pack(value);

/** Every byte value, so binary log data is not mistaken for text anywhere on the way. */
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

const agentSamples: { [K in AgentMessage['kind']]: Extract<AgentMessage, { kind: K }>[] } = {
  hello: [
    {
      kind: 'hello',
      protocolVersion: 1,
      agentVersion: '0.1.0',
      auth: { registrationToken: 'reg-token' },
      hostname: 'render-01',
      os: 'linux',
      arch: 'x64',
      capacity: { cpu: 8, memoryMiB: 32768, gpu: 1 },
      labels: { os: 'linux', zone: 'a' },
      capabilities: ['mounts', 'logs'],
      running: [],
    },
    {
      kind: 'hello',
      protocolVersion: 1,
      agentVersion: '0.1.0',
      auth: { nodeId: 'node-1', credential: 'secret' },
      hostname: 'render-01',
      os: 'windows',
      arch: 'x64',
      capacity: { cpu: 0.5, memoryMiB: 0, gpu: 0 },
      labels: {},
      capabilities: [],
      running: [17, 18],
    },
  ],
  heartbeat: [
    { kind: 'heartbeat', running: [1, 2, 3] },
    {
      kind: 'heartbeat',
      running: [],
      metrics: {
        cpuPercent: 12.5,
        memoryUsedMiB: 1024,
        memoryTotalMiB: 4096,
        load1: 0.75,
        diskFreeMiB: 1e6,
        diskTotalMiB: 2e6,
        at: 1_790_000_000_123,
      },
    },
  ],
  attemptStatus: [
    { kind: 'attemptStatus', attemptId: 7, state: 'RUNNING', at: 1_790_000_000_000 },
    {
      kind: 'attemptStatus',
      attemptId: 7,
      state: 'FAILED',
      exitCode: 137,
      failureReason: 'EXIT_CODE',
      message: 'exit 137',
      at: 1_790_000_000_500,
    },
    { kind: 'attemptStatus', attemptId: 8, state: 'FAILED', exitCode: null, failureReason: 'MOUNT_ERROR', at: 1 },
    { kind: 'attemptStatus', attemptId: 9, state: 'SUCCEEDED', exitCode: 0, at: 2 },
    { kind: 'attemptStatus', attemptId: 10, state: 'STOPPED', failureReason: 'KILLED', at: 3 },
  ],
  logChunk: [
    { kind: 'logChunk', attemptId: 7, stream: 'stdout', seq: 0, data: new TextEncoder().encode('hello, 世界\n') },
    { kind: 'logChunk', attemptId: 7, stream: 'stderr', seq: 41, data: ALL_BYTES },
    { kind: 'logChunk', attemptId: 7, stream: 'stdout', seq: 1, data: new Uint8Array(0) },
  ],
  uploadRequest: [
    { kind: 'uploadRequest', attemptId: 7, requestId: 0, files: [] },
    { kind: 'uploadRequest', attemptId: 7, requestId: 1, files: [{ path: 'output/frame-0001.png', size: 1_234_567 }] },
  ],
};

const controllerSamples: { [K in ControllerMessage['kind']]: Extract<ControllerMessage, { kind: K }>[] } = {
  welcome: [
    {
      kind: 'welcome',
      protocolVersion: 1,
      controllerVersion: '0.1.0',
      nodeId: 'node-1',
      credential: 'secret',
      heartbeatIntervalMs: 5000,
      capabilities: ['ack'],
    },
    {
      kind: 'welcome',
      protocolVersion: 1,
      controllerVersion: '0.1.0',
      nodeId: 'node-1',
      heartbeatIntervalMs: 5000,
      capabilities: [],
    },
  ],
  reject: [
    { kind: 'reject', code: 'UNAUTHENTICATED', message: 'unknown registration token', retryable: false },
    { kind: 'reject', code: 'PROTOCOL_UNSUPPORTED', message: 'protocol 9 is not supported', retryable: false },
  ],
  startAttempt: [
    {
      kind: 'startAttempt',
      attemptId: 7,
      jobId: 'job-1',
      jobName: 'render-frames',
      taskName: 'render',
      index: 3,
      count: 10,
      attempt: 2,
      command: 'python render.py --frame "$BATCH_INSTANCE_INDEX"',
      env: { QUALITY: 'high', EMPTY: '' },
      timeoutSeconds: 3600,
      computeEnvironment: 'render-pool',
    },
    {
      kind: 'startAttempt',
      attemptId: 8,
      jobId: 'job-1',
      jobName: 'render-frames',
      taskName: 'render',
      index: 0,
      count: 1,
      attempt: 1,
      command: 'python hello.py',
      env: {},
      timeoutSeconds: 0,
      computeEnvironment: 'local',
      package: {
        source: 'oss://b/hello.zip',
        url: 'https://s3.example/b/hello.zip?X-Amz-Signature=x',
        digest: 'sha256:' + 'a'.repeat(64),
        size: 123,
      },
      inputs: [
        {
          source: 'oss://b/in/a.txt',
          url: 'http://127.0.0.1:8080/signed/b/in/a.txt?sig=1',
          path: 'input/a.txt',
          size: 5,
        },
      ],
      outputs: [{ path: 'output/', destination: 'oss://b/out/' }],
      uploadOn: 'always',
      mounts: [{ type: 'disk', source: '/dev/vdb', target: '/mnt/data', formatIfEmpty: true, fsType: 'ext4' }],
    },
  ],
  killAttempt: [
    { kind: 'killAttempt', attemptId: 7, reason: 'STOPPED' },
    { kind: 'killAttempt', attemptId: 8, reason: 'TIMEOUT' },
    { kind: 'killAttempt', attemptId: 9, reason: 'SUPERSEDED' },
  ],
  uploadGrant: [
    {
      kind: 'uploadGrant',
      attemptId: 7,
      requestId: 1,
      uploads: [{ path: 'output/a.png', destination: 'oss://b/out/a.png', url: 'https://s3.example/b/out/a.png?sig' }],
    },
    { kind: 'uploadGrant', attemptId: 7, requestId: 2, uploads: [], error: 'attempt 7 is not running on this node' },
  ],
  ack: [
    { kind: 'ack', statuses: [], logs: [] },
    {
      kind: 'ack',
      statuses: [{ attemptId: 7, state: 'SUCCEEDED' }],
      logs: [
        { attemptId: 7, stream: 'stdout', seq: 12 },
        { attemptId: 7, stream: 'stderr', seq: 0 },
      ],
    },
  ],
};

/** Decoded binary data arrives as a Buffer; compare bytes, not classes. */
function bytesOf(message: AgentMessage | ControllerMessage): unknown {
  return message.kind === 'logChunk' ? { ...message, data: Array.from(message.data) } : message;
}

function expectProtocolError(t: Test, decode: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    decode();
  } catch (err) {
    caught = err;
  }
  t.type(caught, ProtocolError, 'a ProtocolError');
  t.match((caught as Error | undefined)?.message, message);
}

t.test('every agent → controller kind has a sample here', async (t) => {
  t.same(new Set(Object.keys(agentSamples)), AGENT_MESSAGE_KINDS);
});

t.test('every controller → agent kind has a sample here', async (t) => {
  t.same(new Set(Object.keys(controllerSamples)), CONTROLLER_MESSAGE_KINDS);
});

for (const [kind, samples] of Object.entries(agentSamples)) {
  t.test(`agent message ${kind} round-trips`, async (t) => {
    for (const message of samples as AgentMessage[]) {
      const decoded = decodeAgentFrame(encodeFrame([message]));
      t.same(decoded.unknownKinds, []);
      t.equal(decoded.messages.length, 1);
      t.strictSame(bytesOf(decoded.messages[0]!), bytesOf(message));
    }
  });
}

for (const [kind, samples] of Object.entries(controllerSamples)) {
  t.test(`controller message ${kind} round-trips`, async (t) => {
    for (const message of samples as ControllerMessage[]) {
      const decoded = decodeControllerFrame(encodeFrame([message]));
      t.same(decoded.unknownKinds, []);
      t.equal(decoded.messages.length, 1);
      t.strictSame(decoded.messages[0], message);
    }
  });
}

t.test('a logChunk carries arbitrary binary data byte for byte', async (t) => {
  const chunk: LogChunk = { kind: 'logChunk', attemptId: 1, stream: 'stdout', seq: 0, data: ALL_BYTES };
  const [decoded] = decodeAgentFrame(encodeFrame([chunk])).messages;
  t.equal(decoded?.kind, 'logChunk');
  const data = (decoded as LogChunk).data;
  t.ok(data instanceof Uint8Array, 'data is a Uint8Array');
  t.equal(data.byteLength, 256);
  t.ok(Buffer.from(data).equals(Buffer.from(ALL_BYTES)), 'every byte value 0..255 survives');
});

t.test('a logChunk of exactly MAX_LOG_CHUNK_BYTES is accepted', async (t) => {
  const data = new Uint8Array(MAX_LOG_CHUNK_BYTES).fill(0x61);
  const { messages } = decodeAgentFrame(
    encodeFrame([{ kind: 'logChunk', attemptId: 1, stream: 'stderr', seq: 3, data }]),
  );
  t.equal((messages[0] as LogChunk).data.byteLength, MAX_LOG_CHUNK_BYTES);
});

t.test('optional fields set to undefined and large integers survive the trip', async (t) => {
  const status: AgentMessage = {
    kind: 'attemptStatus',
    attemptId: 2 ** 40,
    state: 'FAILED',
    exitCode: undefined,
    failureReason: undefined,
    message: undefined,
    at: 1_790_000_000_123,
  };
  const [decoded] = decodeAgentFrame(encodeFrame([status])).messages;
  t.match(decoded, { kind: 'attemptStatus', attemptId: 2 ** 40, state: 'FAILED', at: 1_790_000_000_123 });
  t.equal((decoded as { exitCode?: unknown }).exitCode, undefined, 'undefined is not turned into null');
  const welcome: ControllerMessage = { ...controllerSamples.welcome[0]!, credential: undefined };
  t.equal(decodeControllerFrame(encodeFrame([welcome])).messages.length, 1);
});

t.test('a frame of many messages keeps their order', async (t) => {
  const frame: AgentMessage[] = [
    { kind: 'attemptStatus', attemptId: 1, state: 'RUNNING', at: 1 },
    { kind: 'logChunk', attemptId: 1, stream: 'stdout', seq: 0, data: new Uint8Array([1]) },
    { kind: 'logChunk', attemptId: 1, stream: 'stdout', seq: 1, data: new Uint8Array([2]) },
    { kind: 'attemptStatus', attemptId: 1, state: 'SUCCEEDED', exitCode: 0, at: 2 },
    { kind: 'heartbeat', running: [] },
  ];
  const { messages } = decodeAgentFrame(encodeFrame(frame));
  t.same(messages.map(bytesOf), frame.map(bytesOf));
});

t.test('exactly MAX_MESSAGES_PER_FRAME messages is accepted', async (t) => {
  const frame = Array.from({ length: MAX_MESSAGES_PER_FRAME }, (): AgentMessage => ({
    kind: 'heartbeat',
    running: [],
  }));
  t.equal(decodeAgentFrame(encodeFrame(frame)).messages.length, MAX_MESSAGES_PER_FRAME);
});

t.test('an unknown kind is not an error: it is returned in unknownKinds and the rest is decoded', async (t) => {
  const bytes = rawPack([
    { kind: 'fromTheFuture', payload: 1 },
    { kind: 'heartbeat', running: [4] },
    { kind: 'alsoNew' },
  ]);
  const decoded = decodeAgentFrame(bytes);
  t.same(decoded.messages, [{ kind: 'heartbeat', running: [4] }]);
  t.same(decoded.unknownKinds, ['fromTheFuture', 'alsoNew']);
});

t.test('the catalogue is directional: a controller kind sent by an agent is unknown, not decoded', async (t) => {
  const kill: ControllerMessage = { kind: 'killAttempt', attemptId: 1, reason: 'STOPPED' };
  t.same(decodeAgentFrame(encodeFrame([kill])), { messages: [], unknownKinds: ['killAttempt'] });
  const beat: AgentMessage = { kind: 'heartbeat', running: [] };
  t.same(decodeControllerFrame(encodeFrame([beat])), { messages: [], unknownKinds: ['heartbeat'] });
});

t.test('a known kind with an extra field is accepted (fields are only ever added)', async (t) => {
  const bytes = rawPack([{ kind: 'heartbeat', running: [1], addedInVersion2: { x: 1 } }]);
  const { messages } = decodeAgentFrame(bytes);
  t.equal(messages.length, 1);
  t.same(messages[0], { kind: 'heartbeat', running: [1] });
});

t.test('rejections are ProtocolErrors that say what is wrong', async (t) => {
  t.test('bytes that are not msgpack', async (t) => {
    expectProtocolError(t, () => decodeAgentFrame(new Uint8Array(0)), /not valid msgpack/);
    expectProtocolError(t, () => decodeAgentFrame(new Uint8Array([0x92, 0x01])), /not valid msgpack/);
    expectProtocolError(
      t,
      () => decodeAgentFrame(new TextEncoder().encode('[{"kind":"heartbeat","running":[]}]')),
      /not valid msgpack/,
    );
    expectProtocolError(t, () => decodeControllerFrame(new Uint8Array([0x92, 0x01])), /not valid msgpack/);
  });

  t.test('msgpack that is not an array', async (t) => {
    expectProtocolError(
      t,
      () => decodeAgentFrame(rawPack({ kind: 'heartbeat', running: [] })),
      /must be an array of messages/,
    );
    expectProtocolError(t, () => decodeControllerFrame(rawPack('ack')), /must be an array of messages/);
  });

  t.test('a message without a kind', async (t) => {
    expectProtocolError(t, () => decodeAgentFrame(rawPack([{ running: [] }])), /message 0 has no kind/);
    expectProtocolError(
      t,
      () => decodeAgentFrame(rawPack([{ kind: 'heartbeat', running: [] }, 42])),
      /message 1 has no kind/,
    );
    expectProtocolError(t, () => decodeControllerFrame(rawPack([{ kind: 7 }])), /message 0 has no kind/);
  });

  t.test('a known kind with a field of the wrong type', async (t) => {
    expectProtocolError(
      t,
      () => decodeAgentFrame(rawPack([{ kind: 'heartbeat', running: ['7'] }])),
      /message 0 \(heartbeat\) invalid at running\[0\]/,
    );
    expectProtocolError(
      t,
      () => decodeAgentFrame(rawPack([{ kind: 'attemptStatus', attemptId: 1, state: 'DONE', at: 1 }])),
      /message 0 \(attemptStatus\) invalid at state/,
    );
    expectProtocolError(
      t,
      () =>
        decodeAgentFrame(
          rawPack([{ kind: 'logChunk', attemptId: 1, stream: 'stdout', seq: 0, data: 'text, not bytes' }]),
        ),
      /\(logChunk\) invalid at data/,
    );
    expectProtocolError(
      t,
      () => decodeControllerFrame(rawPack([{ kind: 'killAttempt', attemptId: -1, reason: 'STOPPED' }])),
      /\(killAttempt\) invalid at attemptId/,
    );
  });

  t.test('a known kind missing a field', async (t) => {
    expectProtocolError(
      t,
      () => decodeAgentFrame(rawPack([{ kind: 'attemptStatus', attemptId: 1, state: 'RUNNING' }])),
      /message 0 \(attemptStatus\) invalid at at/,
    );
    expectProtocolError(
      t,
      () => decodeControllerFrame(rawPack([{ kind: 'ack', statuses: [] }])),
      /\(ack\) invalid at logs/,
    );
    const { command: _command, ...noCommand } = controllerSamples.startAttempt[0]!;
    expectProtocolError(t, () => decodeControllerFrame(rawPack([noCommand])), /\(startAttempt\) invalid at command/);
  });

  t.test('a frame over MAX_FRAME_BYTES', async (t) => {
    expectProtocolError(
      t,
      () => decodeAgentFrame(new Uint8Array(MAX_FRAME_BYTES + 1)),
      new RegExp(`${MAX_FRAME_BYTES + 1} bytes exceeds ${MAX_FRAME_BYTES}`),
    );
    expectProtocolError(t, () => decodeControllerFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), /exceeds/);
    const chunks = Array.from({ length: 17 }, (_, seq): AgentMessage => ({
      kind: 'logChunk',
      attemptId: 1,
      stream: 'stdout',
      seq,
      data: new Uint8Array(MAX_LOG_CHUNK_BYTES),
    }));
    expectProtocolError(t, () => encodeFrame(chunks), new RegExp(`exceeds ${MAX_FRAME_BYTES}`));
  });

  t.test('a logChunk over MAX_LOG_CHUNK_BYTES', async (t) => {
    const bytes = rawPack([
      { kind: 'logChunk', attemptId: 1, stream: 'stdout', seq: 0, data: new Uint8Array(MAX_LOG_CHUNK_BYTES + 1) },
    ]);
    expectProtocolError(
      t,
      () => decodeAgentFrame(bytes),
      /message 0 \(logChunk\) invalid at data: log chunk too large/,
    );
  });

  t.test('too many messages in one frame', async (t) => {
    const frame = Array.from({ length: MAX_MESSAGES_PER_FRAME + 1 }, () => ({ kind: 'heartbeat', running: [] }));
    expectProtocolError(
      t,
      () => decodeAgentFrame(rawPack(frame)),
      new RegExp(`more than ${MAX_MESSAGES_PER_FRAME} messages`),
    );
    const unknown = Array.from({ length: MAX_MESSAGES_PER_FRAME + 1 }, () => ({ kind: 'fromTheFuture' }));
    expectProtocolError(t, () => decodeControllerFrame(rawPack(unknown)), /more than/);
  });
});
