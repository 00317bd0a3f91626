/** An API or connection failure as a message (the server's text is shown as text, never as HTML). */
import { ApiRequestError, ConnectionError } from '../../../sdk/index.js';
import { useT } from '../i18n/i18n.js';

export function ErrorMessage({ error }: { error: unknown }) {
  const t = useT();
  if (error === undefined || error === null) return null;
  let text: string;
  if (error instanceof ApiRequestError) text = t('error.api', { status: error.status, message: error.message });
  else if (error instanceof ConnectionError) text = t('error.connection');
  else text = t('error.unexpected', { message: error instanceof Error ? error.message : JSON.stringify(error) });
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
