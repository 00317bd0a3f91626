/** Admin: users with their quotas and usage, and API tokens (each section in its own file). */
import { PageTitle } from '../components/page-title.js';
import { useT } from '../i18n/i18n.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { AdminTokens } from './admin-tokens.js';
import { AdminUsers } from './admin-users.js';

export function AdminPage() {
  const t = useT();
  const { admin } = useSession();
  return (
    <section>
      <PageTitle title={t('admin.title')} />
      {admin ? (
        <>
          <AdminUsers />
          <AdminTokens everyone />
        </>
      ) : (
        // Opened by a non-admin (a link, a typed URL): no form the API would refuse.
        <div role="alert" className="error">
          <p>{t('admin.forbidden')}</p>
          <p>
            <Link to="/tokens">{t('admin.ownTokens')}</Link>
          </p>
        </div>
      )}
    </section>
  );
}
