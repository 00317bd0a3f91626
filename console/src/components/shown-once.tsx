/** A secret the API returns only once (a new token): shown with a warning, selectable, never stored. */
import type { ReactNode } from 'react';
import { useT } from '../i18n/i18n.js';

export function ShownOnce({
  label,
  secret,
  onDismiss,
  children,
}: {
  label: string;
  secret: string;
  onDismiss: () => void;
  /** How to use the secret, shown under it. */
  children?: ReactNode;
}) {
  const t = useT();
  return (
    <div className="notice shown-once" role="status">
      <p>{t('secret.once', { what: label })}</p>
      <code className="secret" data-testid="secret">
        {secret}
      </code>
      {children}
      <button type="button" onClick={onDismiss}>
        {t('secret.done')}
      </button>
    </div>
  );
}
