/**
 * A figure is one measured number with what it was measured under. A scenario run returns its
 * figures; the runner folds the runs of each figure into a summary (the median) and reports it.
 */
import { median } from './stats.js';

export type Conditions = Record<string, string | number | boolean>;

export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface Figure {
  /** `<scenario>.<store>.<what>`, stable across runs and commits so results can be compared. */
  name: string;
  /** null when the run did not produce it (did not finish, skipped); `note` says why. */
  value: number | null;
  unit: string;
  conditions: Conditions;
  target?: Target;
  note?: string;
}

export interface Summary extends Figure {
  runs: (number | null)[];
  /** Whether the median meets the target; absent without a target or a value. */
  met?: boolean;
}

export function figure(
  name: string,
  value: number | null,
  unit: string,
  conditions: Conditions,
  extra: { target?: Target; note?: string } = {},
): Figure {
  const out: Figure = { name, value: value === null ? null : round(value), unit, conditions };
  if (extra.target) out.target = extra.target;
  if (extra.note) out.note = extra.note;
  return out;
}

/**
 * Folds runs into summaries, in the order figures first appeared. A figure missing from a run, or
 * null in one, makes the summary null: a median over the runs that happened to finish would
 * flatter the result.
 */
export function summarize(runs: readonly (readonly Figure[])[]): Summary[] {
  const byName = new Map<string, Figure[]>();
  for (const run of runs) {
    for (const f of run) {
      const list = byName.get(f.name);
      if (list) list.push(f);
      else byName.set(f.name, [f]);
    }
  }
  const out: Summary[] = [];
  for (const [name, figures] of byName) {
    const first = figures[0]!;
    const values = runs.map((run) => run.find((f) => f.name === name)?.value ?? null);
    const complete = values.every((v) => v !== null);
    const summary: Summary = {
      ...first,
      name,
      value: complete ? round(median(values)) : null,
      runs: values,
    };
    const notes = [...new Set(figures.map((f) => f.note).filter((n): n is string => n !== undefined))];
    if (notes.length > 0) summary.note = notes.join('; ');
    else delete summary.note;
    if (!complete && !summary.note)
      summary.note = `missing in ${values.filter((v) => v === null).length} of ${values.length} runs`;
    if (summary.target && summary.value !== null) summary.met = meets(summary.value, summary.target);
    out.push(summary);
  }
  return out;
}

export function meets(value: number, target: Target): boolean {
  return target.op === '>=' ? value >= target.value : value <= target.value;
}

export function describeTarget(target: Target): string {
  return `${target.op === '>=' ? '≥' : '≤'} ${target.value}`;
}

/** Three significant digits at most: more is noise on this machine. */
function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 6)));
}
