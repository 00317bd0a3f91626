/** Compute environments: create, scale, delete, a registration token for a new node, and their nodes. */
import { useState } from 'react';
import type { ComputeEnvironment, CreateEnvironment } from '../../../sdk/index.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorMessage } from '../components/error-message.js';
import { PageTitle } from '../components/page-title.js';
import { ShownOnce } from '../components/shown-once.js';
import { problemsByField } from '../field-errors.js';
import { isStateName } from '../i18n/en.js';
import { useT } from '../i18n/i18n.js';
import { useAction, useApi } from '../use-api.js';
import { NodeTable } from './nodes.js';

export function EnvironmentsPage() {
  const t = useT();
  const environments = useApi('environments', (c) => c.listEnvironments({ limit: 1000 }), { pollMs: 5000 });
  const nodes = useApi('nodes', (c) => c.listNodes({ limit: 1000 }), { pollMs: 5000 });
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [token, setToken] = useState<{ environment: string; token: string } | undefined>(undefined);
  const action = useAction();
  return (
    <section>
      <PageTitle title={t('environments.title')} />
      <ErrorMessage error={environments.error ?? action.error} />
      {token && (
        <ShownOnce
          label={t('environments.registrationToken', { name: token.environment })}
          secret={token.token}
          onDismiss={() => {
            setToken(undefined);
          }}
        />
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('environments.name')}</th>
            <th scope="col">{t('environments.type')}</th>
            <th scope="col">{t('environments.provider')}</th>
            <th scope="col">{t('jobs.owner')}</th>
            <th scope="col">{t('environments.desired')}</th>
            <th scope="col">{t('environments.nodes')}</th>
            <th scope="col">{t('jobs.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(environments.data?.items ?? []).map((env) => (
            <tr key={env.name}>
              <td>
                {env.name}
                {env.shared && <span className="hint"> {t('environments.shared')}</span>}
              </td>
              <td>{t(`environments.type.${env.type}`)}</td>
              <td>{env.provider}</td>
              <td>{env.owner}</td>
              <td>
                <ScaleForm environment={env} onScaled={environments.reload} />
              </td>
              <td>
                {Object.entries(env.nodes)
                  .map(([state, n]) => `${n} ${isStateName(state) ? t(`state.${state}`) : state}`)
                  .join(', ') || '0'}
                <button
                  type="button"
                  className="link"
                  aria-expanded={open === env.name}
                  onClick={() => {
                    setOpen(open === env.name ? undefined : env.name);
                  }}
                >
                  {open === env.name ? t('environments.hideNodes') : t('environments.showNodes')}
                </button>
              </td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() => {
                    void action
                      .run((c) => c.createRegistrationToken(env.name))
                      .then((created) => {
                        if (created) setToken({ environment: env.name, token: created.token });
                      });
                  }}
                >
                  {t('environments.newToken')}
                </button>
                {env.type !== 'local' && (
                  <ConfirmButton
                    label={t('action.delete')}
                    question={t('environments.confirmDelete', { name: env.name })}
                    danger
                    onConfirm={async () => {
                      await action.run((c) => c.deleteEnvironment(env.name));
                      environments.reload();
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <>
          <h2>{t('environments.nodesOf', { name: open })}</h2>
          <NodeTable nodes={(nodes.data?.items ?? []).filter((n) => n.environment === open)} onChanged={nodes.reload} />
        </>
      )}
      <CreateForm onCreated={environments.reload} />
    </section>
  );
}

function ScaleForm({ environment, onScaled }: { environment: ComputeEnvironment; onScaled: () => void }) {
  const t = useT();
  const [desired, setDesired] = useState(String(environment.desiredNodes));
  const action = useAction();
  const id = `scale-${environment.name}`;
  return (
    <form
      className="inline"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run((c) => c.scaleEnvironment(environment.name, Number(desired))).then(onScaled);
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        {t('environments.desiredOf', { name: environment.name })}
      </label>
      <input
        id={id}
        className="narrow"
        inputMode="numeric"
        value={desired}
        onChange={(event) => {
          setDesired(event.target.value);
        }}
      />
      <button type="submit" disabled={action.busy}>
        {t('environments.scale')}
      </button>
      <ErrorMessage error={action.error} />
    </form>
  );
}

function CreateForm({ onCreated }: { onCreated: () => void }) {
  const t = useT();
  const [spec, setSpec] = useState<Required<CreateEnvironment>>({
    name: '',
    type: 'managed',
    provider: 'manual',
    desiredNodes: 0,
    shared: false,
  });
  const action = useAction();
  const problems = problemsByField(action.error);
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void action
          .run((c) => c.createEnvironment(spec))
          .then((created) => {
            if (created) onCreated();
          });
      }}
    >
      <h2>{t('environments.create')}</h2>
      <div className={`field${problems.has('name') ? ' invalid' : ''}`}>
        <label htmlFor="env-name">{t('environments.name')}</label>
        <input
          id="env-name"
          value={spec.name}
          required
          onChange={(event) => {
            setSpec({ ...spec, name: event.target.value });
          }}
        />
        {problems.has('name') && (
          <span className="field-error" role="alert">
            {problems.get('name')}
          </span>
        )}
      </div>
      <div className="field">
        <label htmlFor="env-type">{t('environments.type')}</label>
        <select
          id="env-type"
          value={spec.type}
          onChange={(event) => {
            setSpec({ ...spec, type: event.target.value === 'auto' ? 'auto' : 'managed' });
          }}
        >
          <option value="managed">{t('environments.type.managed')}</option>
          <option value="auto">{t('environments.type.auto')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="env-provider">{t('environments.provider')}</label>
        <select
          id="env-provider"
          value={spec.provider}
          onChange={(event) => {
            setSpec({ ...spec, provider: event.target.value === 'command' ? 'command' : 'manual' });
          }}
        >
          <option value="manual">{t('environments.provider.manual')}</option>
          <option value="command">{t('environments.provider.command')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="env-desired">{t('environments.desired')}</label>
        <input
          id="env-desired"
          inputMode="numeric"
          value={String(spec.desiredNodes)}
          onChange={(event) => {
            setSpec({ ...spec, desiredNodes: Number(event.target.value) });
          }}
        />
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={spec.shared}
          onChange={(event) => {
            setSpec({ ...spec, shared: event.target.checked });
          }}
        />
        {t('environments.sharedLabel')}
      </label>
      {problems.size === 0 && <ErrorMessage error={action.error} />}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={action.busy}>
          {t('action.create')}
        </button>
      </div>
    </form>
  );
}
