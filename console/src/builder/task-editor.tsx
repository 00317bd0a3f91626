/** The side panel for one task of the job being built: its name and the fields it overrides. */
import { TaskFields, type FieldErrors } from '../components/task-fields.js';
import { useT } from '../i18n/i18n.js';
import type { TaskDraft } from '../task-draft.js';
import type { TaskData } from './model.js';

export function TaskEditor({
  task,
  inherited,
  errors,
  onChange,
  onRemove,
  onClose,
}: {
  task: TaskData;
  inherited: TaskDraft | undefined;
  errors: FieldErrors;
  onChange: (task: TaskData) => void;
  onRemove: () => void;
  onClose: () => void;
}) {
  const t = useT();
  return (
    <section className="panel" aria-label={t('builder.editTask', { name: task.name })}>
      <h2>{t('builder.editTask', { name: task.name })}</h2>
      <p className="hint">
        {task.template ? t('builder.overrideHint', { name: task.template }) : t('builder.blankHint')}
      </p>
      <div className={`field${errors.name ? ' invalid' : ''}`}>
        <label htmlFor="task-name">{t('task.name')}</label>
        <input
          id="task-name"
          value={task.name}
          aria-invalid={errors.name ? true : undefined}
          onChange={(event) => {
            onChange({ ...task, name: event.target.value });
          }}
        />
        {errors.name && (
          <span className="field-error" role="alert">
            {errors.name}
          </span>
        )}
      </div>
      {errors.template && (
        <p className="field-error" role="alert">
          {errors.template}
        </p>
      )}
      {errors.dependsOn && (
        <p className="field-error" role="alert">
          {errors.dependsOn}
        </p>
      )}
      <TaskFields
        idPrefix="task"
        draft={task.overrides}
        inherited={inherited}
        errors={errors}
        onChange={(overrides) => {
          onChange({ ...task, overrides });
        }}
      />
      <div className="form-actions">
        <button type="button" className="danger" onClick={onRemove}>
          {t('builder.removeTask')}
        </button>
        <button type="button" onClick={onClose}>
          {t('action.close')}
        </button>
      </div>
    </section>
  );
}
