/**
 * Text as wide as a terminal shows it: a CJK character or an emoji takes two columns, a
 * combining mark none (string-width), so `.length` is no measure of a table cell.
 */

let measure: ((text: string) => number) | undefined;

/**
 * string-width takes a good part of batchctl's start-up to load, and only text for people needs
 * it: whoever renders such text (CliContext.render, the progress line) loads it first.
 */
export async function loadTextWidth(): Promise<void> {
  measure ??= (await import('string-width')).default;
}

export function displayWidth(text: string): number {
  if (measure === undefined) throw new Error('text-width: loadTextWidth() must be awaited before measuring');
  return measure(text);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** `text` cut to at most `width` columns, ending in "…" when anything was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width < 1) return '';
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

export function padEndToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export function padStartToWidth(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}
