/**
 * An API or connection failure as a message (the server's text is shown as text, never as HTML).
 * The headline comes from the error's code, in the reader's language; the server's own message,
 * which is English and names the field and rule, follows it.
 */
import { ApiRequestError, ConnectionError } from '../../../sdk/index.js';
import { ERROR_CODES, type ErrorCode } from '../../../protocol/errors.js';
import { useT } from '../i18n/i18n.js';

const isErrorCode = (code: string): code is ErrorCode => (ERROR_CODES as readonly string[]).includes(code);

export function ErrorMessage({ error }: { error: unknown }) {
  const t = useT();
  if (error === undefined || error === null) return null;
  let text: string;
  if (error instanceof ApiRequestError) {
    const headline = isErrorCode(error.code) ? t(`error.code.${error.code}`) : t('error.code.INTERNAL');
    text = t('error.api', { headline, status: error.status, message: error.message });
  } else if (error instanceof ConnectionError) text = t('error.connection');
  else text = t('error.unexpected', { message: error instanceof Error ? error.message : JSON.stringify(error) });
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
