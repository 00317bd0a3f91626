/**
 * Every scenario run is bounded in time. Waits go through a Deadline, which gives up with a
 * DidNotFinish naming the limit and how far the run got, instead of hanging the bench.
 */
import { sleep } from './clock.js';

export class DidNotFinish extends Error {
  constructor(
    readonly limitS: number,
    readonly progress: string,
  ) {
    super(`did not finish in ${limitS} s${progress ? ` (${progress})` : ''}`);
    this.name = 'DidNotFinish';
  }
}

/** How far a run got, for the "did not finish" message; may ask another process. */
export type Progress = () => string | Promise<string>;

async function describe(progress: Progress): Promise<string> {
  try {
    return await progress();
  } catch (err) {
    return `progress unknown: ${(err as Error).message}`;
  }
}

export class Deadline {
  readonly at: number;

  constructor(readonly limitS: number) {
    this.at = Date.now() + limitS * 1000;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** Resolves with `promise`, or throws DidNotFinish when the deadline passes first. */
  async race<T>(promise: Promise<T>, progress: Progress = () => ''): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => void describe(progress).then((p) => reject(new DidNotFinish(this.limitS, p))),
        this.remainingMs(),
      );
    });
    try {
      return await Promise.race([promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls `probe` every `intervalMs` until it returns a value other than undefined. */
  async poll<T>(
    probe: () => Promise<T | undefined> | T | undefined,
    intervalMs: number,
    progress: Progress = () => '',
  ): Promise<T> {
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() >= this.at) throw new DidNotFinish(this.limitS, await describe(progress));
      await sleep(Math.min(intervalMs, this.remainingMs()));
    }
  }

  /** Sleeps, but not past the deadline (then throws). */
  async sleep(ms: number, progress: Progress = () => ''): Promise<void> {
    if (ms > this.remainingMs()) {
      await sleep(this.remainingMs());
      throw new DidNotFinish(this.limitS, await describe(progress));
    }
    await sleep(ms);
  }
}
