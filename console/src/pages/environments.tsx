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
import { useSession } from '../session.js';
import { useAction, useApi } from '../use-api.js';
import { NodeTable } from './nodes.js';

export function EnvironmentsPage() {
  const t = useT();
  const { mayManage } = useSession();
  const environments = useApi('environments', (c) => c.listEnvironments({ limit: 1000 }), { pollMs: 5000 });
  const nodes = useApi('nodes', (c) => c.listNodes({ limit: 1000 }), { pollMs: 5000 });
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [token, setToken] = useState<{ environment: string; token: string } | undefined>(undefined);
  const action = useAction();
  // The nodes panel closes when its environment is deleted (here or elsewhere).
  const shownEnvironment = environments.data?.items.find((env) => env.name === open);
  const shown = shownEnvironment?.name;
  const shownOwner = shownEnvironment?.owner;
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
        >
          <p>{t('environments.agentHint')}</p>
          <pre className="command" data-testid="agent-command">
            {`BATCH_CONTROLLER_URL=${window.location.origin} BATCH_REGISTRATION_TOKEN=${token.token} batch-agent`}
          </pre>
        </ShownOnce>
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
                {env.deleting && <span className="hint"> {t('environments.deleting')}</span>}
              </td>
              <td>{t(`environments.type.${env.type}`)}</td>
              <td>{env.provider}</td>
              <td>{env.owner}</td>
              <td>
                {env.type === 'managed' && mayManage(env.owner) ? (
                  <ScaleForm environment={env} onScaled={environments.reload} />
                ) : env.type === 'managed' ? (
                  String(env.desiredNodes)
                ) : env.type === 'auto' ? (
                  `≤ ${String(env.maxNodes ?? '-')}`
                ) : (
                  '-'
                )}
              </td>
              <td>
                {Object.entries(env.nodes)
                  .map(([state, n]) => `${n} ${isStateName(state) ? t(`state.${state}`) : state}`)
                  .join(', ') || '0'}{' '}
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
                {mayManage(env.owner) && (
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
                )}
                {env.name !== 'local' && !env.deleting && mayManage(env.owner) && (
                  <ConfirmButton
                    label={t('action.delete')}
                    question={t('environments.confirmDelete', { name: env.name })}
                    danger
                    onConfirm={async () => {
                      const deleted = await action.run(async (c) => {
                        await c.deleteEnvironment(env.name);
                        return true;
                      });
                      if (deleted && open === env.name) setOpen(undefined);
                      environments.reload();
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && (
        <>
          <h2>{t('environments.nodesOf', { name: shown })}</h2>
          <NodeTable
            nodes={(nodes.data?.items ?? []).filter((n) => n.environment === shown)}
            onChanged={nodes.reload}
            mayDrain={() => mayManage(shownOwner ?? '')}
          />
        </>
      )}
      <CreateForm onCreated={environments.reload} />
    </section>
  );
}

function ScaleForm({ environment, onScaled }: { environment: ComputeEnvironment; onScaled: () => void }) {
  const t = useT();
  const [desired, setDesired] = useState(String(environment.desiredNodes));
  const [force, setForce] = useState(false);
  const action = useAction();
  const id = `scale-${environment.name}`;
  // Checked here: Number('') is 0 and Number('abc') is posted as null, neither what was meant.
  const invalid = !isNumber(desired);
  return (
    <form
      className="inline"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (invalid) return;
        void action.run((c) => c.scaleEnvironment(environment.name, Number(desired), { force })).then(onScaled);
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
        aria-invalid={invalid ? true : undefined}
        aria-describedby={invalid ? `${id}-error` : undefined}
        onChange={(event) => {
          setDesired(event.target.value);
        }}
      />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={force}
          onChange={(event) => {
            setForce(event.target.checked);
          }}
        />
        {t('environments.force')}
      </label>
      <button type="submit" disabled={action.busy || invalid}>
        {t('environments.scale')}
      </button>
      {invalid && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {t('error.notNumber')}
        </span>
      )}
      <ErrorMessage error={action.error} />
    </form>
  );
}

interface CreateDraft {
  name: string;
  type: 'managed' | 'auto' | 'unmanaged';
  provider: 'none' | 'local' | 'command';
  desiredNodes: string;
  maxNodes: string;
  idleTimeoutSeconds: string;
  cpu: string;
  createCommand: string;
  deleteCommand: string;
  listCommand: string;
  shared: boolean;
}

/** Fields whose errors the form shows beside them; any other error is shown below the form. */
const FORM_FIELDS = new Set(['name', 'provider', 'desiredNodes', 'maxNodes', 'idleTimeoutSeconds', 'cpu']);

const words = (line: string) => line.split(/\s+/).filter(Boolean);

const isNumber = (text: string) => text.trim() !== '' && Number.isFinite(Number(text));

const NUMBER_FIELDS = ['desiredNodes', 'maxNodes', 'idleTimeoutSeconds', 'cpu'] as const;

/** The request for what the form holds: only what applies to the type and provider chosen. */
function createRequest(draft: CreateDraft): CreateEnvironment {
  const spec: CreateEnvironment = {
    name: draft.name,
    type: draft.type,
    provider: draft.provider,
    shared: draft.shared,
  };
  if (draft.type === 'managed' && draft.desiredNodes.trim() !== '') spec.desiredNodes = Number(draft.desiredNodes);
  if (draft.type === 'auto' && draft.maxNodes.trim() !== '') spec.maxNodes = Number(draft.maxNodes);
  if (draft.type === 'auto' && draft.idleTimeoutSeconds.trim() !== '')
    spec.idleTimeoutSeconds = Number(draft.idleTimeoutSeconds);
  if (draft.type !== 'unmanaged' && draft.cpu.trim() !== '') spec.template = { cpu: Number(draft.cpu) };
  if (draft.provider === 'command') {
    spec.command = { create: words(draft.createCommand), delete: words(draft.deleteCommand) };
    if (draft.listCommand.trim() !== '') spec.command.list = words(draft.listCommand);
  }
  return spec;
}

const EMPTY_DRAFT: CreateDraft = {
  name: '',
  type: 'managed',
  provider: 'local',
  desiredNodes: '1',
  maxNodes: '',
  idleTimeoutSeconds: '',
  cpu: '',
  createCommand: '',
  deleteCommand: '',
  listCommand: '',
  shared: false,
};

function CreateForm({ onCreated }: { onCreated: () => void }) {
  const t = useT();
  const [draft, setDraft] = useState<CreateDraft>(EMPTY_DRAFT);
  const action = useAction();
  const problems = problemsByField(action.error);
  // A number field that is not a number is caught here rather than posted as null.
  const applies = {
    desiredNodes: draft.type === 'managed',
    maxNodes: draft.type === 'auto',
    idleTimeoutSeconds: draft.type === 'auto',
    cpu: draft.type !== 'unmanaged',
  };
  const notNumbers = NUMBER_FIELDS.filter((f) => applies[f] && draft[f].trim() !== '' && !isNumber(draft[f]));
  for (const field of notNumbers) problems.set(field, t('error.notNumber'));
  const text = (field: keyof CreateDraft, label: string, id: string) => (
    <div className={`field${problems.has(field) ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={String(draft[field])}
        aria-invalid={problems.has(field) ? true : undefined}
        onChange={(event) => {
          setDraft({ ...draft, [field]: event.target.value });
        }}
      />
      {problems.has(field) && (
        <span className="field-error" role="alert">
          {problems.get(field)}
        </span>
      )}
    </div>
  );
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (notNumbers.length > 0) return;
        void action
          .run((c) => c.createEnvironment(createRequest(draft)))
          .then((created) => {
            if (!created) return;
            // Cleared, so the next environment does not start from this one's name.
            setDraft(EMPTY_DRAFT);
            onCreated();
          });
      }}
    >
      <h2>{t('environments.create')}</h2>
      <div className={`field${problems.has('name') ? ' invalid' : ''}`}>
        <label htmlFor="env-name">{t('environments.name')}</label>
        <input
          id="env-name"
          value={draft.name}
          required
          onChange={(event) => {
            setDraft({ ...draft, name: event.target.value });
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
          value={draft.type}
          onChange={(event) => {
            const type =
              event.target.value === 'auto' ? 'auto' : event.target.value === 'unmanaged' ? 'unmanaged' : 'managed';
            setDraft({
              ...draft,
              type,
              provider: type === 'unmanaged' ? 'none' : draft.provider === 'none' ? 'local' : draft.provider,
            });
          }}
        >
          <option value="managed">{t('environments.type.managed')}</option>
          <option value="auto">{t('environments.type.auto')}</option>
          <option value="unmanaged">{t('environments.type.unmanaged')}</option>
        </select>
      </div>
      {draft.type !== 'unmanaged' && (
        <div className={`field${problems.has('provider') ? ' invalid' : ''}`}>
          <label htmlFor="env-provider">{t('environments.provider')}</label>
          <select
            id="env-provider"
            value={draft.provider}
            onChange={(event) => {
              setDraft({ ...draft, provider: event.target.value === 'command' ? 'command' : 'local' });
            }}
          >
            <option value="local">{t('environments.provider.local')}</option>
            <option value="command">{t('environments.provider.command')}</option>
          </select>
        </div>
      )}
      {draft.type === 'managed' && text('desiredNodes', t('environments.desired'), 'env-desired')}
      {draft.type === 'auto' && text('maxNodes', t('environments.maxNodes'), 'env-max-nodes')}
      {draft.type === 'auto' && text('idleTimeoutSeconds', t('environments.idleTimeout'), 'env-idle')}
      {draft.type !== 'unmanaged' && text('cpu', t('environments.nodeCpu'), 'env-cpu')}
      {draft.provider === 'command' && text('createCommand', t('environments.createCommand'), 'env-create-command')}
      {draft.provider === 'command' && text('deleteCommand', t('environments.deleteCommand'), 'env-delete-command')}
      {draft.provider === 'command' && text('listCommand', t('environments.listCommand'), 'env-list-command')}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={draft.shared}
          onChange={(event) => {
            setDraft({ ...draft, shared: event.target.checked });
          }}
        />
        {t('environments.sharedLabel')}
      </label>
      {![...problems.keys()].some((field) => FORM_FIELDS.has(field)) && <ErrorMessage error={action.error} />}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={action.busy}>
          {t('action.create')}
        </button>
      </div>
    </form>
  );
}
