/** Stop, restart and delete of one job, each offered only in the states where the API allows it. */
import type { Job } from '../../../sdk/index.js';
import { useT } from '../i18n/i18n.js';
import { FINISHED_JOB, RESTARTABLE_JOB } from '../states.js';
import { useAction } from '../use-api.js';
import { ConfirmButton } from './confirm-button.js';
import { ErrorMessage } from './error-message.js';

export function JobActions({ job, onChanged, onDeleted }: { job: Job; onChanged: () => void; onDeleted: () => void }) {
  const t = useT();
  const { run, error, busy } = useAction();
  const finished = FINISHED_JOB.has(job.state);
  return (
    <div className="actions">
      {!finished && (
        <ConfirmButton
          label={t('action.stop')}
          question={t('jobs.confirmStop', { name: job.name })}
          disabled={busy || job.state === 'STOPPING'}
          onConfirm={async () => {
            if (await run((c) => c.stopJob(job.id))) onChanged();
          }}
        />
      )}
      {RESTARTABLE_JOB.has(job.state) && (
        <ConfirmButton
          label={t('action.restart')}
          question={t('jobs.confirmRestart', { name: job.name })}
          disabled={busy}
          onConfirm={async () => {
            if (await run((c) => c.restartJob(job.id))) onChanged();
          }}
        />
      )}
      {finished && (
        <ConfirmButton
          label={t('action.delete')}
          question={t('jobs.confirmDelete', { name: job.name })}
          danger
          disabled={busy}
          onConfirm={async () => {
            const deleted = await run(async (c) => {
              await c.deleteJob(job.id);
              return true;
            });
            if (deleted) onDeleted();
          }}
        />
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
