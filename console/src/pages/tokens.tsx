/** The signed-in user's own API tokens: any user may list, create and revoke these. */
import { PageTitle } from '../components/page-title.js';
import { useT } from '../i18n/i18n.js';
import { AdminTokens } from './admin-tokens.js';

export function TokensPage() {
  const t = useT();
  return (
    <section>
      <PageTitle title={t('tokens.title')} />
      <p className="hint">{t('tokens.hint')}</p>
      <AdminTokens everyone={false} />
    </section>
  );
}
