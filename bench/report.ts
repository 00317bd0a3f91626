/**
 * The bench's output: a table on stdout, then one JSON line per figure (each starts with `{`,
 * so `grep '^{'` picks them out), and the same summaries in bench/results/<timestamp>.json and
 * bench/results/latest.json.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeTarget, type Summary } from './figures.js';
import type { BenchOptions } from './options.js';
import { RESULTS_DIR } from './paths.js';

export interface Results {
  startedAt: string;
  finishedAt: string;
  host: Record<string, string | number>;
  options: BenchOptions;
  figures: Summary[];
}

export function printTable(figures: readonly Summary[], out: NodeJS.WritableStream = process.stdout): void {
  const rows = figures.map((f) => [
    f.name,
    f.value === null ? '—' : format(f.value),
    f.unit,
    f.runs.map((v) => (v === null ? '—' : format(v))).join(' '),
    f.target ? `${describeTarget(f.target)}${f.met === undefined ? '' : f.met ? '  met' : '  MISSED'}` : '',
    f.note ?? '',
  ]);
  const header = ['figure', 'median', 'unit', 'runs', 'target', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) out.write(`${line(row)}\n`);
}

export function printJsonLines(figures: readonly Summary[], out: NodeJS.WritableStream = process.stdout): void {
  for (const f of figures) {
    const entry: Record<string, unknown> = {
      name: f.name,
      value: f.value,
      unit: f.unit,
      conditions: f.conditions,
      runs: f.runs,
    };
    if (f.target) entry.target = describeTarget(f.target);
    if (f.met !== undefined) entry.met = f.met;
    if (f.note) entry.note = f.note;
    out.write(`${JSON.stringify(entry)}\n`);
  }
}

/** Writes the results file and latest.json; returns the results file's path. */
export function writeResults(results: Results): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  copyFileSync(file, path.join(RESULTS_DIR, 'latest.json'));
  return file;
}

function format(value: number): string {
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(value);
}
