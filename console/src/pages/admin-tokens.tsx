/**
 * API tokens, when each was used; create one for yourself (shown once), revoke any listed. The
 * Admin page lists everyone's; the Tokens page the user's own (what the API lets anyone manage).
 */
import { useState } from 'react';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorMessage } from '../components/error-message.js';
import { ShownOnce } from '../components/shown-once.js';
import { formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { useAction, useApi } from '../use-api.js';

export function AdminTokens({ everyone }: { everyone: boolean }) {
  const { t, locale } = useI18n();
  const tokens = useApi(everyone ? 'tokens-all' : 'tokens-own', (c) => c.listTokens(everyone ? { user: '*' } : {}));
  const action = useAction();
  const [name, setName] = useState('console');
  const [created, setCreated] = useState<string | undefined>(undefined);
  return (
    <>
      {everyone && <h2>{t('admin.tokens')}</h2>}
      <ErrorMessage error={tokens.error ?? action.error} />
      {created && (
        <ShownOnce
          label={t('admin.newTokenLabel')}
          secret={created}
          onDismiss={() => {
            setCreated(undefined);
          }}
        />
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('admin.tokenName')}</th>
            <th scope="col">{t('admin.user')}</th>
            <th scope="col">{t('jobs.created')}</th>
            <th scope="col">{t('admin.lastUsed')}</th>
            <th scope="col">{t('admin.expires')}</th>
            <th scope="col">{t('jobs.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(tokens.data?.items ?? []).map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>{token.user}</td>
              <td>{formatTime(token.createdAt, locale)}</td>
              <td>{formatTime(token.lastUsedAt, locale)}</td>
              <td>{formatTime(token.expiresAt, locale)}</td>
              <td>
                <ConfirmButton
                  label={t('admin.revoke')}
                  question={t('admin.confirmRevoke', { name: token.name, user: token.user })}
                  danger
                  onConfirm={async () => {
                    await action.run((c) => c.revokeToken(token.id));
                    tokens.reload();
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form inline"
        onSubmit={(event) => {
          event.preventDefault();
          void action
            .run((c) => c.createToken({ name }))
            .then((token) => {
              if (!token) return;
              setCreated(token.token);
              tokens.reload();
            });
        }}
      >
        <label htmlFor="token-name">{t('admin.newToken')}</label>
        <input
          id="token-name"
          value={name}
          required
          onChange={(event) => {
            setName(event.target.value);
          }}
        />
        <button type="submit" className="primary" disabled={action.busy}>
          {t('action.create')}
        </button>
      </form>
    </>
  );
}
