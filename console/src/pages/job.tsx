/** One job: its DAG coloured by state, counts, its tasks, its spec as submitted; live while it runs. */
import { CountsBar, CountsLegend } from '../components/counts-bar.js';
import { ErrorMessage } from '../components/error-message.js';
import { JobActions } from '../components/job-actions.js';
import { JobDag } from '../components/job-dag.js';
import { PageTitle } from '../components/page-title.js';
import { StateBadge } from '../components/state-badge.js';
import { TaskFailures } from '../components/task-failures.js';
import { formatDuration, formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { Link, pathOf, useRouter } from '../router.js';
import { FINISHED_JOB } from '../states.js';
import { useJobEvents } from '../job-events.js';
import { useApi } from '../use-api.js';

export function JobPage({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const { navigate } = useRouter();
  // Polled every 2 s until the job has finished (one more poll shows its final state).
  const {
    data: job,
    error,
    reload,
  } = useApi(`job ${id}`, (c) => c.getJob(id), {
    pollMs: 2000,
    while: (j) => !FINISHED_JOB.has(j.state),
  });
  useJobEvents(id, job !== undefined && !FINISHED_JOB.has(job.state), reload);
  // The spec never changes after submit: read once, not polled.
  const { data: spec } = useApi(`job spec ${id}`, (c) => c.getJobSpec(id));
  if (!job) return <ErrorMessage error={error} />;
  return (
    <section>
      <PageTitle
        title={
          <>
            {job.name} <StateBadge state={job.state} />
          </>
        }
      >
        <JobActions
          job={job}
          onChanged={reload}
          onDeleted={() => {
            navigate('/jobs');
          }}
        />
      </PageTitle>
      <ErrorMessage error={error} />
      <dl className="facts">
        <dt>{t('job.id')}</dt>
        <dd className="id">{job.id}</dd>
        <dt>{t('jobs.priority')}</dt>
        <dd>{job.priority}</dd>
        <dt>{t('jobs.owner')}</dt>
        <dd>{job.owner}</dd>
        <dt>{t('jobs.created')}</dt>
        <dd>{formatTime(job.createdAt, locale)}</dd>
        <dt>{t('job.started')}</dt>
        <dd>{formatTime(job.startedAt, locale)}</dd>
        <dt>{t('jobs.ended')}</dt>
        <dd>{formatTime(job.endedAt, locale)}</dd>
        <dt>{t('job.duration')}</dt>
        <dd>{formatDuration(job.startedAt, job.endedAt, t)}</dd>
      </dl>
      <CountsBar counts={job.counts} />
      <CountsLegend counts={job.counts} />
      <h2>{t('job.dag')}</h2>
      <JobDag job={job} />
      <h2>{t('job.tasks')}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('task.name')}</th>
            <th scope="col">{t('jobs.state')}</th>
            <th scope="col">{t('task.instances')}</th>
            <th scope="col">{t('jobs.instances')}</th>
            <th scope="col">{t('task.template')}</th>
            <th scope="col">{t('task.command')}</th>
            <th scope="col">{t('job.failures')}</th>
          </tr>
        </thead>
        <tbody>
          {job.tasks.map((task) => (
            <tr key={task.name}>
              <td>
                <Link to={pathOf('jobs', job.id, 'tasks', task.name)}>{task.name}</Link>
              </td>
              <td>
                <StateBadge state={task.state} />
              </td>
              <td className="number">{task.instances}</td>
              <td>
                <CountsBar counts={task.counts} />
              </td>
              <td>{task.template ?? '—'}</td>
              <td>
                <code>{task.command}</code>
              </td>
              <td>
                {(task.counts.FAILED ?? 0) > 0 ? (
                  <TaskFailures jobId={job.id} task={task.name} failed={task.counts.FAILED ?? 0} />
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('job.spec')}</h2>
      <pre className="json" tabIndex={0} data-testid="job-spec">
        {spec ? JSON.stringify(spec, null, 2) : '…'}
      </pre>
    </section>
  );
}
