/** The attempts of one instance: where each ran, how it ended and why, with links to its output. */
import type { Instance } from '../../../sdk/index.js';
import { formatDuration, formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { Link, pathOf } from '../router.js';
import { StateBadge } from './state-badge.js';

export function AttemptsTable({ jobId, task, instance }: { jobId: string; task: string; instance: Instance }) {
  const { t, locale } = useI18n();
  const logs = pathOf('jobs', jobId, 'tasks', task, 'instances', instance.index, 'logs');
  return (
    <div className="attempts">
      <h2>
        {t('instance.label', { index: instance.index })} <StateBadge state={instance.state} />
      </h2>
      {instance.pendingReason && (
        <p className="notice">{t('instance.pendingBecause', { reason: t(`pending.${instance.pendingReason}`) })}</p>
      )}
      {instance.attempts.length === 0 ? (
        <p className="empty">{t('attempt.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('attempt.number')}</th>
              <th scope="col">{t('jobs.state')}</th>
              <th scope="col">{t('attempt.node')}</th>
              <th scope="col">{t('attempt.exitCode')}</th>
              <th scope="col">{t('attempt.failureReason')}</th>
              <th scope="col">{t('attempt.started')}</th>
              <th scope="col">{t('attempt.ended')}</th>
              <th scope="col">{t('attempt.duration')}</th>
              <th scope="col">{t('attempt.logs')}</th>
            </tr>
          </thead>
          <tbody>
            {instance.attempts.map((attempt) => (
              <tr key={attempt.attempt}>
                <td className="number">{attempt.attempt}</td>
                <td>
                  <StateBadge state={attempt.state} />
                </td>
                <td className="id">{attempt.nodeId ?? '—'}</td>
                <td className="number">{attempt.exitCode ?? '—'}</td>
                <td>
                  {attempt.failureReason ? (
                    <span className="failure">{t(`failure.${attempt.failureReason}`)}</span>
                  ) : (
                    !attempt.message && '—'
                  )}
                  {/* The reason's code is translated above; the message is the agent's own (English) words,
                      framed in the reader's language as an API error's message is. */}
                  {attempt.message && (
                    <div className="hint">{t('attempt.reportedMessage', { message: attempt.message })}</div>
                  )}
                </td>
                <td>{formatTime(attempt.startedAt, locale)}</td>
                <td>{formatTime(attempt.endedAt, locale)}</td>
                <td>{formatDuration(attempt.startedAt, attempt.endedAt, t)}</td>
                <td className="links">
                  <Link to={`${logs}?stream=stdout&attempt=${attempt.attempt}`}>{t('log.stdout')}</Link>{' '}
                  <Link to={`${logs}?stream=stderr&attempt=${attempt.attempt}`}>{t('log.stderr')}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
