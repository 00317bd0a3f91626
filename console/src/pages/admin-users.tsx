/** Users: role, what they hold, their quotas (changed in place); create one (its token shown once), disable, enable. */
import { useState } from 'react';
import type { User } from '../../../sdk/index.js';
import { ErrorMessage } from '../components/error-message.js';
import { ShownOnce } from '../components/shown-once.js';
import { plural, useT } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import { useAction, useApi } from '../use-api.js';

const QUOTAS = [
  'computeEnvironments',
  'nodesPerEnvironment',
  'runningInstances',
  'jobs',
  'tasksPerJob',
  'instancesPerTask',
  'schedules',
] as const;

export function AdminUsers() {
  const t = useT();
  const users = useApi('users', (c) => c.listUsers({ limit: 1000 }));
  const action = useAction();
  const [name, setName] = useState('');
  const [admin, setAdmin] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  return (
    <>
      <h2>{t('admin.users')}</h2>
      <ErrorMessage error={users.error ?? action.error} />
      {created && (
        <ShownOnce
          label={t('admin.userToken', { name: created.name })}
          secret={created.token}
          onDismiss={() => {
            setCreated(undefined);
          }}
        />
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('admin.user')}</th>
            <th scope="col">{t('admin.role')}</th>
            <th scope="col">{t('admin.usage')}</th>
            <th scope="col">{t('admin.quotas')}</th>
            <th scope="col">{t('jobs.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(users.data?.items ?? []).map((user) => (
            <tr key={user.id}>
              <td>
                {user.name}
                {user.disabled && <span className="badge st-STOPPED">{t('admin.disabled')}</span>}
              </td>
              <td>{user.admin ? t('admin.admin') : t('admin.member')}</td>
              <td>
                {t('admin.usageText', {
                  jobs: plural(t, 'admin.usageJobs', user.usage.jobs),
                  envs: plural(t, 'admin.usageEnvironments', user.usage.computeEnvironments),
                  schedules: plural(t, 'admin.usageSchedules', user.usage.schedules),
                })}
              </td>
              <td>
                {editing === user.name ? (
                  <QuotaForm
                    user={user}
                    onDone={() => {
                      setEditing(undefined);
                      users.reload();
                    }}
                  />
                ) : (
                  <ul className="quotas">
                    {QUOTAS.map((q) => (
                      <li key={q}>
                        {t(`quota.${q}` as MessageKey)}: {user.quotas[q] ?? '—'}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() => {
                    setEditing(editing === user.name ? undefined : user.name);
                  }}
                >
                  {t('admin.editQuotas')}
                </button>
                <button
                  type="button"
                  onClick={() => {
                    void action
                      .run((c) => (user.disabled ? c.enableUser(user.name) : c.disableUser(user.name)))
                      .then(users.reload);
                  }}
                >
                  {user.disabled ? t('admin.enable') : t('admin.disable')}
                </button>
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
            .run((c) => c.createUser({ name: name.trim(), admin }))
            .then((result) => {
              if (!result) return;
              setCreated({ name: result.user.name, token: result.token });
              setName('');
              users.reload();
            });
        }}
      >
        <label htmlFor="user-name">{t('admin.newUser')}</label>
        <input
          id="user-name"
          value={name}
          required
          onChange={(event) => {
            setName(event.target.value);
          }}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={admin}
            onChange={(event) => {
              setAdmin(event.target.checked);
            }}
          />
          {t('admin.admin')}
        </label>
        <button type="submit" className="primary" disabled={action.busy}>
          {t('action.create')}
        </button>
      </form>
    </>
  );
}

function QuotaForm({ user, onDone }: { user: User; onDone: () => void }) {
  const t = useT();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(QUOTAS.map((q) => [q, user.quotas[q] === undefined ? '' : String(user.quotas[q])])),
  );
  const action = useAction();
  return (
    <form
      className="quota-form"
      onSubmit={(event) => {
        event.preventDefault();
        const quotas = Object.fromEntries(QUOTAS.filter((q) => values[q] !== '').map((q) => [q, Number(values[q])]));
        void action
          .run((c) => c.updateUserQuotas(user.name, quotas))
          .then((saved) => {
            if (saved) onDone();
          });
      }}
    >
      {QUOTAS.map((q) => (
        <div key={q} className="field">
          <label htmlFor={`quota-${user.name}-${q}`}>{t(`quota.${q}` as MessageKey)}</label>
          <input
            id={`quota-${user.name}-${q}`}
            className="narrow"
            inputMode="numeric"
            value={values[q]}
            onChange={(event) => {
              setValues({ ...values, [q]: event.target.value });
            }}
          />
        </div>
      ))}
      <ErrorMessage error={action.error} />
      <button type="submit" className="primary" disabled={action.busy}>
        {t('action.save')}
      </button>
    </form>
  );
}
