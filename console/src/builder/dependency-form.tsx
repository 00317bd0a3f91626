/**
 * Adds an edge without dragging between handles: pick the upstream and downstream tasks and the
 * condition. The keyboard way to connect tasks (and the reliable one in a headless browser).
 */
import { useState } from 'react';
import type { Condition } from '../components/edge-label.js';
import { useT } from '../i18n/i18n.js';
import { ConditionFields } from './condition-fields.js';
import { DEFAULT_CONDITION, type TaskNode } from './model.js';

export function DependencyForm({
  nodes,
  onAdd,
}: {
  nodes: readonly TaskNode[];
  onAdd: (source: string, target: string, condition: Condition) => void;
}) {
  const t = useT();
  const [source, setSource] = useState('');
  const [target, setTarget] = useState('');
  const [condition, setCondition] = useState<Condition>(DEFAULT_CONDITION);
  const valid = source !== '' && target !== '' && source !== target;
  const options = nodes.map((node) => (
    <option key={node.id} value={node.id}>
      {node.data.name}
    </option>
  ));
  return (
    <fieldset className="dependency-form">
      <legend>{t('builder.addDependency')}</legend>
      <label htmlFor="dep-source">{t('builder.upstream')}</label>
      <select
        id="dep-source"
        value={source}
        onChange={(event) => {
          setSource(event.target.value);
        }}
      >
        <option value="">—</option>
        {options}
      </select>
      <label htmlFor="dep-target">{t('builder.downstream')}</label>
      <select
        id="dep-target"
        value={target}
        onChange={(event) => {
          setTarget(event.target.value);
        }}
      >
        <option value="">—</option>
        {options}
      </select>
      <ConditionFields idPrefix="dep" value={condition} onChange={setCondition} />
      <button
        type="button"
        disabled={!valid}
        onClick={() => {
          onAdd(source, target, condition);
        }}
      >
        {t('builder.connect')}
      </button>
    </fieldset>
  );
}
