/**
 * The environment an instance sees (SPEC §5): the agent's own environment without anything
 * `BATCH_` (the agent's configuration, including its registration token, is not for user code),
 * then the task's `env`, then the GPUs it was given and the reserved `BATCH_*` variables, which
 * nothing can override.
 */
import { INSTANCE_ENV } from '../protocol/environment.js';
import type { StartAttempt } from '../protocol/messages.js';

const RESERVED_PREFIX = 'BATCH_';

export interface InstanceContext {
  nodeId: string;
  workDir: string;
  /** When the task runs as a tenant's own user: who it is, and its private temporary dir. */
  user?: { name: string; tmpDir: string };
  /** CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES (gpus/gpu-env.ts), or nothing. */
  gpuEnv?: Record<string, string>;
}

export function instanceEnv(
  agentEnv: NodeJS.ProcessEnv,
  spec: StartAttempt,
  ctx: InstanceContext,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(agentEnv)) {
    // case-insensitive: on Windows `batch_registration_token` is the same variable
    if (value !== undefined && !name.toUpperCase().startsWith(RESERVED_PREFIX)) env[name] = value;
  }
  if (ctx.user) {
    // The agent's own home and name are not the task's.
    env.HOME = ctx.workDir;
    env.USER = ctx.user.name;
    env.LOGNAME = ctx.user.name;
    env.TMPDIR = ctx.user.tmpDir;
  }
  Object.assign(env, spec.env);
  // after the task's env: its devices are the agent's to give, or two attempts could share one
  Object.assign(env, ctx.gpuEnv);
  env[INSTANCE_ENV.jobId] = spec.jobId;
  env[INSTANCE_ENV.jobName] = spec.jobName;
  env[INSTANCE_ENV.taskName] = spec.taskName;
  env[INSTANCE_ENV.instanceIndex] = String(spec.index);
  env[INSTANCE_ENV.instanceCount] = String(spec.count);
  env[INSTANCE_ENV.attempt] = String(spec.attempt);
  env[INSTANCE_ENV.nodeId] = ctx.nodeId;
  env[INSTANCE_ENV.computeEnv] = spec.computeEnvironment;
  env[INSTANCE_ENV.workDir] = ctx.workDir;
  return env;
}
