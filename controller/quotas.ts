/** Per-user quotas (SPEC §8): defaults from the JD BatchCompute limits, overridable per user. */
export const DEFAULT_QUOTAS = {
  computeEnvironments: 10,
  nodesPerEnvironment: 5000,
  runningInstances: 20,
  jobs: 100,
  tasksPerJob: 10,
  instancesPerTask: 100,
  /** Not a JD BatchCompute limit but ours: each schedule submits jobs by itself. */
  schedules: 20,
} as const;

export type QuotaName = keyof typeof DEFAULT_QUOTAS;

export function quotaLimit(overrides: Record<string, number> | null | undefined, name: QuotaName): number {
  const value = overrides?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : DEFAULT_QUOTAS[name];
}
