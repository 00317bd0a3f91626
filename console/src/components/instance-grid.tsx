/**
 * A task's instances as a grid of small squares, one per instance, coloured by state: hundreds fit
 * on a screen. Hovering (or focusing) one says its state and why it waits or failed; clicking selects it.
 */
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
  return (
    <div className="instance-grid" role="group" aria-label={t('task.instanceGrid')}>
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
