/** Create a template, or edit one (a PUT of the whole spec); errors appear on the fields they name. */
import { useState } from 'react';
import type { TemplateSpec } from '../../../sdk/index.js';
import { ErrorMessage } from '../components/error-message.js';
import { PageTitle } from '../components/page-title.js';
import { TaskFields, type FieldErrors } from '../components/task-fields.js';
import { problemsByField } from '../field-errors.js';
import { useT } from '../i18n/i18n.js';
import { useRouter } from '../router.js';
import { DraftError, draftFieldOf, draftFromSpec, EMPTY_DRAFT, specFromDraft, type TaskDraft } from '../task-draft.js';
import { useAction, useApi } from '../use-api.js';

export function TemplateEditPage({ name }: { name?: string }) {
  const existing = useApi(`template ${name ?? ''}`, async (c) => (name ? c.getTemplate(name) : undefined));
  if (name && !existing.data) return <ErrorMessage error={existing.error} />;
  const spec = existing.data?.spec as Partial<TemplateSpec> | undefined;
  return <TemplateForm key={name ?? ''} name={name} initial={spec} />;
}

function TemplateForm({ name, initial }: { name: string | undefined; initial: Partial<TemplateSpec> | undefined }) {
  const t = useT();
  const { navigate } = useRouter();
  const [templateName, setTemplateName] = useState(name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [draft, setDraft] = useState<TaskDraft>(initial ? draftFromSpec(initial) : EMPTY_DRAFT);
  const [localError, setLocalError] = useState<DraftError | undefined>(undefined);
  const save = useAction();

  const fieldErrors: FieldErrors = {};
  let otherError: string | undefined;
  for (const [path, message] of problemsByField(save.error)) {
    const field = path === 'name' || path === 'description' ? path : draftFieldOf(path);
    if (field) fieldErrors[field] ??= message;
    else otherError ??= `${path}: ${message}`;
  }
  if (localError)
    fieldErrors[localError.field] = t(localError.problem === 'JSON' ? 'error.invalidJson' : 'error.notNumber');

  const submit = async () => {
    let body;
    try {
      body = specFromDraft(draft);
      setLocalError(undefined);
    } catch (error) {
      if (error instanceof DraftError) setLocalError(error);
      return;
    }
    const spec: TemplateSpec = { name: templateName.trim(), ...body };
    if (description.trim() !== '') spec.description = description;
    const saved = await save.run((c) => (name ? c.replaceTemplate(name, spec) : c.createTemplate(spec)));
    if (saved) navigate('/templates');
  };

  return (
    <section>
      <PageTitle title={name ? t('templates.edit', { name }) : t('templates.new')} />
      <form
        className="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div className={`field${fieldErrors.name ? ' invalid' : ''}`}>
          <label htmlFor="template-name">{t('templates.name')}</label>
          <input
            id="template-name"
            name="name"
            value={templateName}
            disabled={name !== undefined}
            required
            aria-invalid={fieldErrors.name ? true : undefined}
            aria-describedby={fieldErrors.name ? 'template-name-error' : undefined}
            onChange={(event) => {
              setTemplateName(event.target.value);
            }}
          />
          {fieldErrors.name && (
            <span className="field-error" id="template-name-error" role="alert">
              {fieldErrors.name}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="template-description">{t('templates.description')}</label>
          <input
            id="template-description"
            value={description}
            onChange={(event) => {
              setDescription(event.target.value);
            }}
          />
        </div>
        <TaskFields idPrefix="template" draft={draft} onChange={setDraft} errors={fieldErrors} />
        {otherError && (
          <p className="error" role="alert">
            {otherError}
          </p>
        )}
        {!(save.error && problemsByField(save.error).size > 0) && <ErrorMessage error={save.error} />}
        <div className="form-actions">
          <button
            type="button"
            onClick={() => {
              navigate('/templates');
            }}
          >
            {t('action.cancel')}
          </button>
          <button type="submit" className="primary" disabled={save.busy}>
            {t('action.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
