/**
 * `--watch` on lists: show the list, then show it again whenever it changes, until Ctrl-C (exit 0).
 * The events stream says when something changed (a job, instance, node or environment event); a
 * short pause folds a burst of them (a 1,000-instance task starting) into one read. Lists whose
 * figures change without events (node heartbeats and metrics) are also read every few seconds.
 * On a terminal the screen is redrawn; elsewhere each changed rendering is printed after the last.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { EventQuery } from '../sdk/index.js';
import type { CliContext } from './context.js';
import { writeChunk } from './output.js';

export interface WatchSpec {
  /** Which events may change the list. */
  events: Omit<EventQuery, 'follow' | 'since' | 'signal'>;
  /** Read it again this often even without events (ms). */
  pollMs?: number;
}

const SETTLE_MS = 250;
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

export async function watchList(ctx: CliContext, spec: WatchSpec, render: () => Promise<string>): Promise<void> {
  // Ctrl-C is how a watch ends: the reader's choice, not a failure.
  process.once('SIGINT', () => process.exit(0));
  const out = process.stdout;
  let last = '';
  const redraw = async () => {
    const text = await render();
    if (text === last) return;
    if (out.isTTY) await writeChunk(out, HOME_AND_CLEAR + text);
    else await writeChunk(out, last === '' ? text : `\n${text}`);
    last = text;
  };

  // Subscribed before the first read, so a change between the two is not missed. Set by the events reader, read by the loop (an object: both sides see one value).
  const seen: { changed: boolean; failure?: Error } = { changed: false };
  let wake = () => {};
  void (async () => {
    for await (const _event of ctx.api.events({ ...spec.events, follow: true })) {
      seen.changed = true;
      wake();
    }
  })().catch((error: unknown) => {
    seen.failure = error instanceof Error ? error : new Error(String(error));
    wake();
  });
  await redraw();
  for (;;) {
    if (!seen.changed) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (spec.pollMs !== undefined) setTimeout(resolve, spec.pollMs).unref();
      });
    }
    if (seen.failure) throw seen.failure;
    await delay(SETTLE_MS);
    seen.changed = false;
    await redraw();
  }
}
