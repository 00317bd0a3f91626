/**
 * An attempt's log split into what the agent wrote while setting the attempt up (package, inputs,
 * mounts, outputs: agent/runner/setup-log.ts) and what the command wrote, so that the logs page
 * can mark the agent's lines. The agent starts each of its lines with SETUP_PREFIX.
 */

/** The agent's mark on its own lines; the same string as agent/runner/setup-log.ts (a test checks). */
export const SETUP_PREFIX = '[batch] ';

export interface LogSegment {
  /** A single line the agent wrote, or a run of the command's lines. */
  setup: boolean;
  text: string;
}

/**
 * The text in order, each setup line its own segment and each run of other lines one segment:
 * a 256 KiB tail of the command's output stays a single text node, not thousands of elements.
 */
export function splitSetupLines(text: string): LogSegment[] {
  if (!text.includes(SETUP_PREFIX)) return text ? [{ setup: false, text }] : [];
  const segments: LogSegment[] = [];
  let run = '';
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith(SETUP_PREFIX)) {
      if (run) segments.push({ setup: false, text: run });
      run = '';
      segments.push({ setup: true, text: line });
    } else {
      run += line;
    }
  }
  if (run) segments.push({ setup: false, text: run });
  return segments;
}
