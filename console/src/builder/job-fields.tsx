/** The job's own fields in the builder, with the API's problems under them. */
import { useT } from '../i18n/i18n.js';

export function JobFields({
  name,
  priority,
  problems,
  onName,
  onPriority,
}: {
  name: string;
  priority: string;
  problems: Partial<Record<'name' | 'priority', string>>;
  onName: (name: string) => void;
  onPriority: (priority: string) => void;
}) {
  const t = useT();
  return (
    <div className="job-fields">
      <div className={`field${problems.name ? ' invalid' : ''}`}>
        <label htmlFor="job-name">{t('builder.jobName')}</label>
        <input
          id="job-name"
          value={name}
          aria-invalid={problems.name ? true : undefined}
          aria-describedby={problems.name ? 'job-name-error' : undefined}
          onChange={(event) => {
            onName(event.target.value);
          }}
        />
        {problems.name && (
          <span className="field-error" id="job-name-error" role="alert">
            {problems.name}
          </span>
        )}
      </div>
      <div className={`field${problems.priority ? ' invalid' : ''}`}>
        <label htmlFor="job-priority">{t('jobs.priority')}</label>
        <input
          id="job-priority"
          inputMode="numeric"
          value={priority}
          placeholder="0"
          aria-invalid={problems.priority ? true : undefined}
          aria-describedby={problems.priority ? 'job-priority-error' : undefined}
          onChange={(event) => {
            onPriority(event.target.value);
          }}
        />
        {problems.priority && (
          <span className="field-error" id="job-priority-error" role="alert">
            {problems.priority}
          </span>
        )}
      </div>
    </div>
  );
}
