/** The side panel for a selected edge: change its condition or remove it. */
import type { Condition } from '../components/edge-label.js';
import { useT } from '../i18n/i18n.js';
import { ConditionFields } from './condition-fields.js';

export function EdgeEditor({
  from,
  to,
  condition,
  onChange,
  onRemove,
}: {
  from: string;
  to: string;
  condition: Condition;
  onChange: (condition: Condition) => void;
  onRemove: () => void;
}) {
  const t = useT();
  const title = t('builder.editDependency', { from, to });
  return (
    <fieldset className="panel edge-editor">
      <legend>{title}</legend>
      <ConditionFields idPrefix="edge" value={condition} onChange={onChange} />
      <button type="button" className="danger" onClick={onRemove}>
        {t('builder.removeDependency')}
      </button>
    </fieldset>
  );
}
