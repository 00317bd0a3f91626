/** API-shaped resources (protocol/api.ts) with sensible defaults, for fake controllers and view tests. */
import type { ComputeEnvironment, Instance, Job, Node, TaskView, Template } from '../../protocol/api.js';

const CREATED = '2026-11-27T10:00:00.000Z';

export function task(overrides: Partial<TaskView> = {}): TaskView {
  return {
    name: 'hello',
    state: 'RUNNING',
    instances: 2,
    counts: { RUNNING: 1, SUCCEEDED: 1 },
    dependsOn: [],
    computeEnvironment: 'local',
    command: 'echo hi',
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  const tasks = overrides.tasks ?? [task()];
  const counts: Record<string, number> = {};
  for (const t of tasks) for (const [state, n] of Object.entries(t.counts)) counts[state] = (counts[state] ?? 0) + n;
  return {
    id: 'j-1234',
    name: 'helloworld',
    state: 'RUNNING',
    priority: 0,
    owner: 'admin',
    createdAt: CREATED,
    startedAt: CREATED,
    endedAt: null,
    counts,
    tasks,
    ...overrides,
  };
}

export function instance(overrides: Partial<Instance> = {}): Instance {
  return { index: 0, state: 'PENDING', attempts: [], ...overrides };
}

export function failedAttempt(nodeId: string, exitCode: number): Instance['attempts'][number] {
  return {
    attempt: 1,
    id: 7,
    nodeId,
    state: 'FAILED',
    exitCode,
    failureReason: 'EXIT_CODE',
    message: `exited with code ${exitCode}`,
    createdAt: CREATED,
    startedAt: CREATED,
    endedAt: CREATED,
  };
}

export function node(overrides: Partial<Node> = {}): Node {
  return {
    id: 'n-1',
    name: 'worker-1',
    state: 'READY',
    environment: 'local',
    labels: { os: 'linux' },
    capacity: { cpu: 8, memoryMiB: 16384, gpu: 0 },
    allocated: { cpu: 2.5, memoryMiB: 4096, gpu: 0 },
    gpus: [],
    metrics: {
      cpuPercent: 12,
      memoryUsedMiB: 5000,
      memoryTotalMiB: 16384,
      load1: 0.5,
      diskFreeMiB: 1,
      diskTotalMiB: 2,
      at: '1970-01-01T00:00:00.000Z',
    },
    agentVersion: '0.1.0',
    lastHeartbeatAt: CREATED,
    createdAt: CREATED,
    providerId: null,
    message: null,
    desired: 'run',
    terminatedAt: null,
    ...overrides,
  };
}

export function environment(overrides: Partial<ComputeEnvironment> = {}): ComputeEnvironment {
  return {
    name: 'render-pool',
    type: 'managed',
    provider: 'local',
    owner: 'admin',
    shared: false,
    desiredNodes: 3,
    maxNodes: null,
    idleTimeoutSeconds: null,
    template: {},
    deleting: false,
    nodes: { READY: 2, PROVISIONING: 1 },
    createdAt: CREATED,
    ...overrides,
  };
}

export function template(overrides: Partial<Template> = {}): Template {
  return {
    name: 'batch-hello',
    owner: 'admin',
    spec: { name: 'batch-hello', command: 'echo hello', retries: 1 },
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}
