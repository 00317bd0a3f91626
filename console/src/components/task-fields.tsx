/**
 * The form for every task field, used for templates and for a builder task's overrides. An error
 * the API names a field with is shown under that field's input.
 */
import { useT } from '../i18n/i18n.js';
import { DRAFT_FIELDS, type DraftField, type TaskDraft } from '../task-draft.js';

const MULTILINE = new Set<DraftField>(['command', 'env', 'nodeSelector', 'inputs', 'outputs', 'mounts']);
const NUMERIC = new Set<DraftField>(['instances', 'cpu', 'memoryMiB', 'gpu', 'timeoutSeconds', 'retries']);

export type FieldErrors = Partial<Record<string, string>>;

export function TaskFields({
  idPrefix,
  draft,
  onChange,
  errors,
  inherited,
}: {
  idPrefix: string;
  draft: TaskDraft;
  onChange: (draft: TaskDraft) => void;
  errors: FieldErrors;
  /** The template's values, shown as placeholders: an empty field keeps them. */
  inherited?: TaskDraft;
}) {
  const t = useT();
  return (
    <div className="fields">
      {DRAFT_FIELDS.map((field) => {
        const id = `${idPrefix}-${field}`;
        const error = errors[field];
        const common = {
          id,
          name: field,
          value: draft[field],
          'aria-invalid': error ? true : undefined,
          'aria-describedby': `${id}-hint${error ? ` ${id}-error` : ''}`,
          placeholder: inherited?.[field] ?? '',
        };
        const set = (value: string) => {
          onChange({ ...draft, [field]: value });
        };
        return (
          <div key={field} className={`field field-${field}${error ? ' invalid' : ''}`}>
            <label htmlFor={id}>{t(`field.${field}`)}</label>
            {field === 'uploadOn' ? (
              <select
                {...common}
                onChange={(event) => {
                  set(event.target.value);
                }}
              >
                <option value="">{t('field.default')}</option>
                <option value="success">{t('uploadOn.success')}</option>
                <option value="failure">{t('uploadOn.failure')}</option>
                <option value="always">{t('uploadOn.always')}</option>
              </select>
            ) : MULTILINE.has(field) ? (
              <textarea
                {...common}
                rows={field === 'mounts' ? 4 : 2}
                spellCheck={false}
                onChange={(event) => {
                  set(event.target.value);
                }}
              />
            ) : (
              <input
                {...common}
                inputMode={NUMERIC.has(field) ? 'decimal' : undefined}
                onChange={(event) => {
                  set(event.target.value);
                }}
              />
            )}
            <span className="hint" id={`${id}-hint`}>
              {t(`hint.${field}`)}
            </span>
            {error && (
              <span className="field-error" id={`${id}-error`} role="alert">
                {error}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
