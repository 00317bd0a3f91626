/** The two halves of a dependency's condition: on success|failure|any, per task|instance. */
import type { Condition } from '../components/edge-label.js';
import { useT } from '../i18n/i18n.js';

export function ConditionFields({
  idPrefix,
  value,
  onChange,
}: {
  idPrefix: string;
  value: Condition;
  onChange: (value: Condition) => void;
}) {
  const t = useT();
  return (
    <>
      <label htmlFor={`${idPrefix}-on`}>{t('builder.on')}</label>
      <select
        id={`${idPrefix}-on`}
        value={value.on}
        onChange={(event) => {
          onChange({ ...value, on: event.target.value as Condition['on'] });
        }}
      >
        {(['success', 'failure', 'any'] as const).map((on) => (
          <option key={on} value={on}>
            {t(`condition.${on}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`${idPrefix}-per`}>{t('builder.per')}</label>
      <select
        id={`${idPrefix}-per`}
        value={value.per}
        onChange={(event) => {
          onChange({ ...value, per: event.target.value as Condition['per'] });
        }}
      >
        {(['task', 'instance'] as const).map((per) => (
          <option key={per} value={per}>
            {t(`per.${per}`)}
          </option>
        ))}
      </select>
    </>
  );
}
