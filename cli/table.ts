/**
 * Aligned plain-text tables: a header row, two spaces between columns, numbers right-aligned on
 * request, and no trailing spaces (so output diffs and greps cleanly).
 */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export function formatTable(columns: readonly (Column | string)[], rows: readonly (readonly string[])[]): string {
  const specs = columns.map((c) => (typeof c === 'string' ? { header: c, align: 'left' as const } : c));
  const widths = specs.map((spec, i) => Math.max(spec.header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    specs
      .map((spec, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i]!;
        return spec.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(specs.map((s) => s.header)), ...rows.map(render)].join('\n');
}
