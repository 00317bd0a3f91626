/**
 * The live progress line of `submit --wait`: "job j-1234 RUNNING  PENDING 3  RUNNING 4  SUCCEEDED 23 / 30".
 * On a terminal the line is redrawn in place; elsewhere (a log file, CI) a new line is printed
 * only when it changes, so the output stays short and greppable.
 */
import type { Job } from '../sdk/index.js';
import { formatCounts } from './views/counts.js';
import { totalInstances } from './views/jobs.js';
import { writeChunk } from './output.js';
import { stripControls } from './terminal-text.js';
import { loadTextWidth, truncateToWidth } from './text-width.js';

const CLEAR_LINE = '\r\x1b[2K';

export function progressLine(job: Job): string {
  const counts = formatCounts(job.counts);
  return `job ${job.id} ${job.state}  ${counts ? `${counts} ` : ''}/ ${totalInstances(job)}`;
}

export class ProgressPrinter {
  private last = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  async update(job: Job): Promise<void> {
    await loadTextWidth();
    const line = stripControls(progressLine(job));
    if (line === this.last) return;
    this.last = line;
    await writeChunk(this.stream, this.stream.isTTY ? CLEAR_LINE + this.fitted(line) : `${line}\n`);
  }

  /** Prints lines above the progress line (which a terminal then redraws below them). */
  async printAbove(lines: string): Promise<void> {
    await loadTextWidth();
    if (!this.stream.isTTY) return writeChunk(this.stream, lines);
    await writeChunk(this.stream, CLEAR_LINE + lines + this.fitted(this.last));
  }

  /** Ends the in-place line, so whatever is printed next starts on a line of its own. */
  async finish(): Promise<void> {
    if (this.stream.isTTY && this.last) await writeChunk(this.stream, '\n');
  }

  /** A line wider than the terminal wraps, and `\r` then redraws only its last part. */
  private fitted(line: string): string {
    const width = this.stream.columns;
    return width ? truncateToWidth(line, width - 1) : line;
  }
}
