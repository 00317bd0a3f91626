/**
 * A task's instances as a grid of small squares, one per instance, coloured by state: hundreds fit
 * on a screen. Hovering (or focusing) one says its state and why it waits or failed; clicking selects it.
 */
import { useRef, type KeyboardEvent } from 'react';
import type { Instance } from '../../../sdk/index.js';
import { useT, type Translate } from '../i18n/i18n.js';

export function instanceSummary(instance: Instance, t: Translate): string {
  const parts = [t('instance.label', { index: instance.index }), t(`state.${instance.state}`)];
  if (instance.pendingReason) parts.push(t(`pending.${instance.pendingReason}`));
  const last = instance.attempts[instance.attempts.length - 1];
  if (last?.failureReason) {
    parts.push(t(`failure.${last.failureReason}`));
    if (last.exitCode !== null) parts.push(t('attempt.exitCodeIs', { code: last.exitCode }));
  }
  return parts.join(' · ');
}

export function InstanceGrid({
  instances,
  selected,
  onSelect,
}: {
  instances: readonly Instance[];
  selected: number | undefined;
  onSelect: (index: number) => void;
}) {
  const t = useT();
  const grid = useRef<HTMLDivElement>(null);
  // One cell is in the tab order (the selected one, else the first); arrow keys move between
  // cells, so a keyboard crosses a grid of hundreds without hundreds of Tab presses.
  const tabbable = selected ?? instances[0]?.index;
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const from = Number((event.target as HTMLElement).dataset.index);
    if (!grid.current || Number.isNaN(from)) return;
    // A row holds as many cells as share the first cell's top edge (the grid wraps to its width).
    const cells = [...grid.current.querySelectorAll<HTMLElement>('.cell')];
    const firstRowTop = cells[0]?.offsetTop;
    const secondRow = cells.findIndex((c) => c.offsetTop !== firstRowTop);
    const columns = secondRow < 0 ? cells.length : secondRow;
    const steps: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      Home: -from,
      End: instances.length - 1 - from,
    };
    const step = steps[event.key];
    if (step === undefined) return;
    event.preventDefault();
    grid.current.querySelector<HTMLElement>(`[data-index="${from + step}"]`)?.focus();
  };
  return (
    <div className="instance-grid" role="group" aria-label={t('task.instanceGrid')} ref={grid} onKeyDown={move}>
      {instances.map((instance) => {
        const summary = instanceSummary(instance, t);
        return (
          <button
            key={instance.index}
            type="button"
            className={`cell st-${instance.state}${selected === instance.index ? ' selected' : ''}`}
            title={summary}
            aria-label={summary}
            aria-pressed={selected === instance.index}
            tabIndex={instance.index === tabbable ? 0 : -1}
            data-index={instance.index}
            onClick={() => {
              onSelect(instance.index);
            }}
          />
        );
      })}
    </div>
  );
}
