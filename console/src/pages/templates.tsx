/** Task templates: the reusable task definitions the builder's palette offers. */
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorMessage } from '../components/error-message.js';
import { PageTitle } from '../components/page-title.js';
import { formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { Link, pathOf } from '../router.js';
import { useAction, useApi } from '../use-api.js';

export function TemplatesPage() {
  const { t, locale } = useI18n();
  const templates = useApi('templates', (c) => c.listTemplates({ limit: 1000 }));
  const action = useAction();
  return (
    <section>
      <PageTitle title={t('templates.title')}>
        <Link to="/templates/new" className="button primary">
          {t('templates.new')}
        </Link>
      </PageTitle>
      <ErrorMessage error={templates.error ?? action.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{t('templates.name')}</th>
            <th scope="col">{t('field.command')}</th>
            <th scope="col">{t('jobs.owner')}</th>
            <th scope="col">{t('templates.updated')}</th>
            <th scope="col">{t('jobs.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(templates.data?.items ?? []).map((template) => (
            <tr key={template.name}>
              <td>
                <Link to={pathOf('templates', template.name)}>{template.name}</Link>
              </td>
              <td>
                <code>{typeof template.spec.command === 'string' ? template.spec.command : '—'}</code>
              </td>
              <td>{template.owner}</td>
              <td>{formatTime(template.updatedAt, locale)}</td>
              <td>
                <ConfirmButton
                  label={t('action.delete')}
                  question={t('templates.confirmDelete', { name: template.name })}
                  danger
                  onConfirm={async () => {
                    await action.run((c) => c.deleteTemplate(template.name));
                    templates.reload();
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {templates.data?.items.length === 0 && <p className="empty">{t('templates.empty')}</p>}
    </section>
  );
}
