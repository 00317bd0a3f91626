/**
 * Aligned plain-text tables: a header row, two spaces between columns, numbers right-aligned on
 * request, and no trailing spaces (so output diffs and greps cleanly). Widths are display widths
 * (text-width.ts). Given a width (the terminal's, when stdout is one), a table wider than it has
 * its widest shrinkable column cut with "…" until it fits; piped output is never cut, so scripts
 * see every character.
 */
import { displayWidth, padEndToWidth, padStartToWidth, truncateToWidth } from './text-width.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

const GAP = 2;
/**
 * A shrunk column keeps at least this many columns (or its header's width), so short cells
 * (states, "3m ago") are never cut: only long text (names, messages) gives way.
 */
const MIN_SHRUNK = 10;

/** The width tables must fit: the terminal's; none when stdout is not a terminal. */
export function terminalWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

export function formatTable(
  columns: readonly (Column | string)[],
  rows: readonly (readonly string[])[],
  maxWidth: number | undefined = terminalWidth(),
): string {
  const specs = columns.map((c) => (typeof c === 'string' ? { header: c, align: 'left' as const } : c));
  const natural = specs.map((spec, i) =>
    Math.max(displayWidth(spec.header), ...rows.map((row) => displayWidth(row[i] ?? ''))),
  );
  const widths = maxWidth === undefined ? natural : fitted(specs, natural, maxWidth);
  const render = (cells: readonly string[]) =>
    specs
      .map((spec, i) => {
        const width = widths[i]!;
        const cell = truncateToWidth(cells[i] ?? '', width);
        return spec.align === 'right' ? padStartToWidth(cell, width) : padEndToWidth(cell, width);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  return [render(specs.map((s) => s.header)), ...rows.map(render)].join('\n');
}

/**
 * Column widths that fit `maxWidth`, shrinking the widest shrinkable column first. The first
 * column (the id or name a reader copies) and right-aligned figures are never shrunk; when the
 * rest cannot shrink enough, the table stays wider than asked and the terminal wraps it.
 */
function fitted(specs: readonly Column[], natural: readonly number[], maxWidth: number): number[] {
  const widths = [...natural];
  const floor = specs.map((spec, i) => Math.min(natural[i]!, Math.max(MIN_SHRUNK, displayWidth(spec.header))));
  const shrinkable = specs.map((spec, i) => i > 0 && spec.align !== 'right');
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);
  while (total() > maxWidth) {
    const candidates = widths.map((w, i) => (shrinkable[i] && w > floor[i]! ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) break;
    const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    const runnerUp = Math.max(0, ...candidates.filter((i) => i !== widest).map((i) => widths[i]!));
    // Down to the next widest at most, so two long columns end up sharing the cut.
    const cut = Math.min(total() - maxWidth, widths[widest]! - Math.max(floor[widest]!, runnerUp) || 1);
    widths[widest] = widths[widest]! - cut;
  }
  return widths;
}
