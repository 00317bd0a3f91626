/** Sign in with an API token (from `make run`'s output or `batchctl tokens create`). */
import { useState } from 'react';
import { ApiRequestError } from '../../../sdk/index.js';
import { CodeText } from '../components/code-text.js';
import { ErrorMessage } from '../components/error-message.js';
import { LanguageSelect } from '../components/language-select.js';
import { useI18n } from '../i18n/i18n.js';
import { useSessionState } from '../session.js';

export function SignInPage() {
  const { t } = useI18n();
  const { signIn, endedBecause } = useSessionState();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const refused = error instanceof ApiRequestError && error.status === 401;
  return (
    <main className="sign-in">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          signIn(token.trim()).then(
            () => {
              setBusy(false);
            },
            (caught: unknown) => {
              setBusy(false);
              setError(caught);
            },
          );
        }}
      >
        <h1>{t('signIn.title')}</h1>
        {endedBecause && (
          <p className="notice" role="status">
            {t(endedBecause)}
          </p>
        )}
        <label htmlFor="token">{t('signIn.token')}</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(event) => {
            setToken(event.target.value);
          }}
        />
        <p className="hint">
          <CodeText text={t('signIn.hint')} />
        </p>
        {refused ? (
          <p className="error" role="alert">
            {t('signIn.refused')}
          </p>
        ) : (
          <ErrorMessage error={error} />
        )}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {t('action.signIn')}
        </button>
        <LanguageSelect className="language" />
      </form>
    </main>
  );
}
