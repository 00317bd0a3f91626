/**
 * Jobs: state, priority, owner (admins, with "all users"), times and instances per state, filtered
 * by state (the API's filter) and by name (within the page shown), a page at a time. The filters
 * and the page are in the URL's query, so Back, a reload and a shared link keep them.
 */
import type { JobQuery } from '../../../sdk/index.js';
import { JOB_STATES, type JobState } from '../../../protocol/states.js';
import { CountsBar } from '../components/counts-bar.js';
import { ErrorMessage } from '../components/error-message.js';
import { JobActions } from '../components/job-actions.js';
import { PageTitle } from '../components/page-title.js';
import { StateBadge } from '../components/state-badge.js';
import { formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { Link, pathOf, useRouter } from '../router.js';
import { useSession } from '../session.js';
import { useApi } from '../use-api.js';

const PAGE_SIZE = 20;
/**
 * The API filters by state but not by name: a name search reads this many of the newest jobs
 * (the API's largest page) and filters them here, instead of paging.
 */
const NAME_SEARCH_SCOPE = 1000;

interface Filters {
  state: JobState | '';
  name: string;
  everyone: boolean;
  cursors: string[];
}

/** The jobs list's URL for these filters: only what is set, so the plain list is `/jobs`. */
function jobsPath({ state, name, everyone, cursors }: Filters): string {
  const query = new URLSearchParams();
  if (state) query.set('state', state);
  if (name) query.set('name', name);
  if (everyone) query.set('owner', 'all');
  for (const cursor of cursors) query.append('cursor', cursor);
  const search = query.toString();
  return search ? `/jobs?${search}` : '/jobs';
}

export function JobsPage() {
  const { t, locale } = useI18n();
  const { admin } = useSession();
  const { query: url, navigate } = useRouter();
  const filters: Filters = {
    state: (JOB_STATES as readonly string[]).includes(url.get('state') ?? '') ? (url.get('state') as JobState) : '',
    name: url.get('name') ?? '',
    everyone: url.get('owner') === 'all',
    // The cursors of the pages after the first up to this one, so "previous" can go back.
    cursors: url.getAll('cursor'),
  };
  const { state, name, everyone, cursors } = filters;
  const show = (change: Partial<Filters>, options?: { replace?: boolean }) => {
    navigate(jobsPath({ ...filters, ...change }), options);
  };
  const cursor = cursors[cursors.length - 1];
  const needle = name.trim().toLowerCase();
  const query: JobQuery = { limit: needle ? NAME_SEARCH_SCOPE : PAGE_SIZE };
  if (state) query.state = state;
  if (everyone) query.owner = 'all';
  if (cursor && !needle) query.cursor = cursor;
  const jobs = useApi(`jobs ${JSON.stringify(query)}`, (c) => c.listJobs(query), { pollMs: 2000 });
  const shown = (jobs.data?.items ?? []).filter((job) => job.name.toLowerCase().includes(needle));

  return (
    <section>
      <PageTitle title={t('jobs.title')}>
        <Link to="/builder" className="button primary">
          {t('jobs.new')}
        </Link>
      </PageTitle>
      <div className="filters">
        <label>
          {t('jobs.filterState')}
          <select
            value={state}
            onChange={(event) => {
              show({ state: event.target.value as JobState | '', cursors: [] });
            }}
          >
            <option value="">{t('jobs.anyState')}</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('jobs.filterName')}
          <input
            type="search"
            value={name}
            onChange={(event) => {
              // Replaced, not pushed: Back leaves the search rather than undoing it a letter at a time.
              show({ name: event.target.value, cursors: [] }, { replace: true });
            }}
          />
        </label>
        {admin && (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={everyone}
              onChange={(event) => {
                show({ everyone: event.target.checked, cursors: [] });
              }}
            />
            {t('jobs.allUsers')}
          </label>
        )}
      </div>
      <ErrorMessage error={jobs.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{t('jobs.name')}</th>
            <th scope="col">{t('jobs.state')}</th>
            <th scope="col">{t('jobs.priority')}</th>
            {admin && <th scope="col">{t('jobs.owner')}</th>}
            <th scope="col">{t('jobs.created')}</th>
            <th scope="col">{t('jobs.ended')}</th>
            <th scope="col">{t('jobs.instances')}</th>
            <th scope="col">{t('jobs.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((job) => (
            <tr key={job.id}>
              <td>
                <Link to={pathOf('jobs', job.id)}>{job.name}</Link>
                <div className="id">{job.id}</div>
              </td>
              <td>
                <StateBadge state={job.state} />
              </td>
              <td className="number">{job.priority}</td>
              {admin && <td>{job.owner}</td>}
              <td>{formatTime(job.createdAt, locale)}</td>
              <td>{formatTime(job.endedAt, locale)}</td>
              <td>
                <CountsBar counts={job.counts} />
              </td>
              <td>
                <JobActions job={job} onChanged={jobs.reload} onDeleted={jobs.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!jobs.loading && shown.length === 0 && (
        <p className="empty">{state || needle ? t('jobs.noMatch') : t('jobs.empty')}</p>
      )}
      {needle ? (
        <p className="hint">{t('jobs.searchScope', { n: NAME_SEARCH_SCOPE })}</p>
      ) : (
        <div className="pager">
          <button
            type="button"
            disabled={cursors.length === 0}
            onClick={() => {
              show({ cursors: cursors.slice(0, -1) });
            }}
          >
            {t('action.previous')}
          </button>
          <span>{t('pager.page', { n: cursors.length + 1 })}</span>
          <button
            type="button"
            disabled={!jobs.data?.next}
            onClick={() => {
              const next = jobs.data?.next;
              if (next) show({ cursors: [...cursors, next] });
            }}
          >
            {t('action.next')}
          </button>
        </div>
      )}
    </section>
  );
}
