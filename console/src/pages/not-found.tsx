/** A console path that names no page. */
import { useT } from '../i18n/i18n.js';
import { Link } from '../router.js';

export function NotFoundPage() {
  const t = useT();
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link to="/jobs">{t('notFound.back')}</Link>
      </p>
    </section>
  );
}
