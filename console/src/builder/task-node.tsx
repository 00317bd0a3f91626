/** A task's box on the builder canvas: name, template, how many fields it overrides, its problem. */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useT } from '../i18n/i18n.js';
import type { TaskNode } from './model.js';

export function TaskNodeBox({ data, selected }: NodeProps<TaskNode>) {
  const t = useT();
  const overridden = Object.values(data.overrides).filter((v) => v.trim() !== '').length;
  return (
    <div className={`task-box${selected ? ' selected' : ''}${data.problem ? ' invalid' : ''}`} data-task={data.name}>
      <Handle type="target" position={Position.Left} title={t('builder.inputHandle')} />
      <strong>{data.name}</strong>
      <div className="hint">
        {data.template ? t('builder.fromTemplate', { name: data.template }) : t('builder.noTemplate')}
      </div>
      {overridden > 0 && <div className="hint">{t('builder.overrides', { n: overridden })}</div>}
      {data.problem && <div className="field-error">{data.problem}</div>}
      <Handle type="source" position={Position.Right} title={t('builder.outputHandle')} />
    </div>
  );
}
