/** `templates list` and `templates show`. */
import { stringify } from 'yaml';
import type { Template } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function templatesTable(templates: readonly Template[], now = Date.now()): string {
  if (templates.length === 0) return 'No templates.';
  return formatTable(
    ['NAME', 'COMMAND', 'DESCRIPTION', 'OWNER', 'UPDATED'],
    templates.map((t) => [
      t.name,
      shorten(t.spec.command),
      shorten(t.spec.description),
      t.owner,
      formatTime(t.updatedAt, now),
    ]),
  );
}

/**
 * The template's spec as YAML under a comment header, so `templates show X > x.yaml` gives a file
 * that `templates create -f x.yaml --replace` accepts back.
 */
export function templateView(template: Template, now = Date.now()): string {
  const header = `# template ${template.name}, owner ${template.owner}, updated ${formatTime(template.updatedAt, now)}`;
  return `${header}\n${stringify(template.spec).trimEnd()}`;
}

function shorten(value: unknown): string {
  if (typeof value !== 'string') return '';
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > 50 ? `${flat.slice(0, 47)}...` : flat;
}
