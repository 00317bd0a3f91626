/**
 * Why a task's instances failed, counted: "3 × the command exited non-zero (exit 3)". One SDK
 * call per task with failed instances, so the job page says why without two clicks.
 */
import type { Attempt, Instance } from '../../../sdk/index.js';
import { useI18n } from '../i18n/i18n.js';
import { useApi } from '../use-api.js';

export interface FailureCount {
  /** null: the instance failed without an attempt's reason (stopped before it ran). */
  reason: Attempt['failureReason'];
  exitCode: number | null;
  count: number;
}

/** The last attempt's reason of each failed instance, grouped by reason and exit code, most first. */
export function countFailures(instances: readonly Instance[]): FailureCount[] {
  const counts = new Map<string, FailureCount>();
  for (const instance of instances) {
    if (instance.state !== 'FAILED') continue;
    const last = instance.attempts.at(-1);
    const reason = last?.failureReason ?? null;
    const exitCode = last?.exitCode ?? null;
    const key = `${reason}\u0000${exitCode}`;
    const entry = counts.get(key) ?? { reason, exitCode, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}

export function TaskFailures({ jobId, task, failed }: { jobId: string; task: string; failed: number }) {
  const { t } = useI18n();
  // Keyed by the failed count, so a new failure of a live job loads the reasons again.
  const { data } = useApi(`failures ${jobId} ${task} ${failed}`, (c) => c.listInstances(jobId, task, { limit: 1000 }));
  if (!data) return null;
  const failures = countFailures(data.items);
  if (failures.length === 0) return null;
  return (
    <ul className="task-failures" aria-label={t('job.failuresOf', { task })}>
      {failures.map((f) => (
        <li key={`${f.reason} ${f.exitCode}`} className="failure">
          {t('job.failureCount', {
            count: f.count,
            reason: f.reason === null ? t('job.failureUnknown') : t(`failure.${f.reason}`),
          })}
          {f.exitCode !== null && ` (${t('attempt.exitCodeIs', { code: f.exitCode })})`}
        </li>
      ))}
    </ul>
  );
}
