/**
 * The templates to build with: drag one onto the canvas, or press its Add button (the keyboard
 * way, and the one that does not depend on drag-and-drop).
 */
import type { Template } from '../../../sdk/index.js';
import { useT } from '../i18n/i18n.js';

export const TEMPLATE_DRAG_TYPE = 'application/x-batch-template';

export function Palette({
  templates,
  onAdd,
}: {
  templates: readonly Template[];
  onAdd: (template: string | undefined) => void;
}) {
  const t = useT();
  return (
    <aside className="palette" aria-label={t('builder.palette')}>
      <h2>{t('builder.palette')}</h2>
      <ul>
        {templates.map((template) => (
          <li
            key={template.name}
            draggable
            onDragStart={(event) => {
              event.dataTransfer.setData(TEMPLATE_DRAG_TYPE, template.name);
              event.dataTransfer.effectAllowed = 'copy';
            }}
          >
            <span>{template.name}</span>
            <button
              type="button"
              aria-label={t('builder.addTemplate', { name: template.name })}
              onClick={() => {
                onAdd(template.name);
              }}
            >
              {t('action.add')}
            </button>
          </li>
        ))}
      </ul>
      {templates.length === 0 && <p className="hint">{t('builder.noTemplates')}</p>}
      <button
        type="button"
        onClick={() => {
          onAdd(undefined);
        }}
      >
        {t('builder.addBlank')}
      </button>
    </aside>
  );
}
