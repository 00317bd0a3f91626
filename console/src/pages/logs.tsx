/**
 * The stdout or stderr of one attempt: live while it runs, only the tail rendered, downloadable
 * whole; the agent's setup lines (in stderr) are marked apart from the command's output.
 */
import { useEffect, useRef } from 'react';
import { ErrorMessage } from '../components/error-message.js';
import { LogText } from '../components/log-text.js';
import { PageTitle } from '../components/page-title.js';
import { StateBadge } from '../components/state-badge.js';
import { formatBytes } from '../format.js';
import { useT } from '../i18n/i18n.js';
import { downloadLog, TAIL_CHARS, useLogTail, type LogTarget } from '../log-tail.js';
import { Link, pathOf, useRouter } from '../router.js';
import { useSession } from '../session.js';
import { ACTIVE_INSTANCE } from '../states.js';
import { useAction, useApi } from '../use-api.js';

export function LogsPage({ jobId, task, index }: { jobId: string; task: string; index: number }) {
  const t = useT();
  const { client } = useSession();
  const { query, path, navigate } = useRouter();
  const stream = query.get('stream') === 'stderr' ? 'stderr' : 'stdout';
  const instance = useApi(`instance ${jobId} ${task} ${index}`, (c) => c.getInstance(jobId, task, index), {
    pollMs: 2000,
    while: (i) => ACTIVE_INSTANCE.has(i.state),
  });
  const attempts = instance.data?.attempts ?? [];
  const asked = Number(query.get('attempt'));
  const attempt = attempts.find((a) => a.attempt === asked) ?? attempts[attempts.length - 1];
  const target: LogTarget | undefined = attempt && {
    jobId,
    task,
    index,
    stream,
    attempt: attempt.attempt,
    follow: attempt.state === 'SCHEDULED' || attempt.state === 'RUNNING',
  };
  const tail = useLogTail(client, target);
  const download = useAction();
  const output = useRef<HTMLPreElement>(null);
  useEffect(() => {
    // Following a live log: keep the newest line in view.
    if (target?.follow && output.current) output.current.scrollTop = output.current.scrollHeight;
  }, [tail.text, target?.follow]);
  const show = (next: { stream?: string; attempt?: number }) => {
    const params = new URLSearchParams({
      stream: next.stream ?? stream,
      attempt: String(next.attempt ?? attempt?.attempt ?? 1),
    });
    navigate(`${path}?${params.toString()}`, { replace: true });
  };
  return (
    <section>
      <PageTitle title={t('log.title', { task, index })}>
        <Link to={`${pathOf('jobs', jobId, 'tasks', task)}?instance=${index}`}>{t('log.backToTask')}</Link>
      </PageTitle>
      <ErrorMessage error={instance.error} />
      <div className="filters">
        <div role="group" aria-label={t('log.stream')} className="segmented">
          {(['stdout', 'stderr'] as const).map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={stream === s}
              onClick={() => {
                show({ stream: s });
              }}
            >
              {t(`log.${s}`)}
            </button>
          ))}
        </div>
        {attempts.length > 1 && (
          <label>
            {t('attempt.number')}
            <select
              value={attempt?.attempt}
              onChange={(event) => {
                show({ attempt: Number(event.target.value) });
              }}
            >
              {attempts.map((a) => (
                <option key={a.attempt} value={a.attempt}>
                  {a.attempt}
                </option>
              ))}
            </select>
          </label>
        )}
        {attempt && <StateBadge state={attempt.state} />}
        {target?.follow && <span className="live">{t('log.live')}</span>}
        <button
          type="button"
          disabled={!target || download.busy}
          onClick={() => {
            if (target) void download.run((c) => downloadLog(c, target));
          }}
        >
          {t('action.download')}
        </button>
      </div>
      <ErrorMessage error={download.error ?? tail.error} />
      {!attempt && instance.data && <p className="empty">{t('attempt.none')}</p>}
      {tail.truncated && (
        <p className="notice">
          {t('log.truncated', { shown: formatBytes(TAIL_CHARS), total: formatBytes(tail.bytes) })}
        </p>
      )}
      {attempt && (
        <pre
          className="log"
          ref={output}
          tabIndex={0}
          role="region"
          aria-label={t(`log.${stream}`)}
          data-testid="log-output"
        >
          {tail.text ? <LogText text={tail.text} /> : tail.done ? t('log.empty') : ''}
        </pre>
      )}
    </section>
  );
}
