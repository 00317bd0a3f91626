/** Admin: users with their quotas and usage, and API tokens (each section in its own file). */
import { PageTitle } from '../components/page-title.js';
import { useT } from '../i18n/i18n.js';
import { AdminTokens } from './admin-tokens.js';
import { AdminUsers } from './admin-users.js';

export function AdminPage() {
  const t = useT();
  return (
    <section>
      <PageTitle title={t('admin.title')} />
      <AdminUsers />
      <AdminTokens />
    </section>
  );
}
