/** One task of a job: its instances as a grid (live while any is active) and the attempts of the one picked. */
import type { Instance } from '../../../sdk/index.js';
import { AttemptsTable } from '../components/attempts-table.js';
import { CountsLegend } from '../components/counts-bar.js';
import { ErrorMessage } from '../components/error-message.js';
import { InstanceGrid } from '../components/instance-grid.js';
import { PageTitle } from '../components/page-title.js';
import { useT } from '../i18n/i18n.js';
import { Link, pathOf, useRouter } from '../router.js';
import { ACTIVE_INSTANCE } from '../states.js';
import { useJobEvents } from '../job-events.js';
import { useApi } from '../use-api.js';

export function TaskPage({ jobId, task }: { jobId: string; task: string }) {
  const t = useT();
  const { query, navigate, path } = useRouter();
  const instances = useApi(
    `instances ${jobId} ${task}`,
    async (c) => {
      const all: Instance[] = [];
      for await (const instance of c.listAllInstances(jobId, task, { limit: 1000 })) all.push(instance);
      return all;
    },
    { pollMs: 2000, while: (list) => list.some((i) => ACTIVE_INSTANCE.has(i.state)) },
  );
  const job = useApi(`job ${jobId}`, (c) => c.getJob(jobId));
  useJobEvents(jobId, instances.data?.some((i) => ACTIVE_INSTANCE.has(i.state)) ?? false, instances.reload);
  // The picked instance lives in the URL, so a link or the back button keeps it.
  const picked = query.get('instance');
  const selected = picked === null ? undefined : Number(picked);
  const counts: Record<string, number> = {};
  for (const instance of instances.data ?? []) counts[instance.state] = (counts[instance.state] ?? 0) + 1;
  const chosen = instances.data?.find((i) => i.index === selected);
  return (
    <section>
      <PageTitle title={t('task.title', { task })}>
        <Link to={pathOf('jobs', jobId)}>{t('task.ofJob', { name: job.data?.name ?? jobId })}</Link>
      </PageTitle>
      <ErrorMessage error={instances.error} />
      <CountsLegend counts={counts} />
      {instances.data && (
        <InstanceGrid
          instances={instances.data}
          selected={selected}
          onSelect={(index) => {
            // Pushed: Back from an instance returns to the one before (or to the task page).
            navigate(`${path}?instance=${index}`);
          }}
        />
      )}
      {chosen ? (
        <AttemptsTable jobId={jobId} task={task} instance={chosen} />
      ) : (
        <p className="hint">{t('task.pickInstance')}</p>
      )}
    </section>
  );
}
