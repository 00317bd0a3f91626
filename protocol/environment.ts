/** Names of the environment variables every instance sees (SPEC §5). `BATCH_` is reserved. */
export const INSTANCE_ENV = {
  jobId: 'BATCH_JOB_ID',
  jobName: 'BATCH_JOB_NAME',
  taskName: 'BATCH_TASK_NAME',
  instanceIndex: 'BATCH_INSTANCE_INDEX',
  instanceCount: 'BATCH_INSTANCE_COUNT',
  attempt: 'BATCH_ATTEMPT',
  nodeId: 'BATCH_NODE_ID',
  computeEnv: 'BATCH_COMPUTE_ENV',
  workDir: 'BATCH_WORK_DIR',
} as const;
