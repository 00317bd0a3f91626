/**
 * An attempt runs through small lifecycle hooks, one concern each (work dir, mounts, package,
 * inputs, outputs, logs), in the order of the list:
 *
 *   prepare of each hook → the command → afterCommand of each hook → cleanup of each, reversed
 *
 * A `prepare` that throws ends the preparation: later prepares and the command are skipped. Every
 * `cleanup` runs regardless, so it must be safe when its own prepare failed or never ran; one
 * cleanup that throws does not keep the others from running.
 */
import { describeError } from '../log.js';

/** How the command ended, as far as the hooks after it care. */
export interface CommandOutcome {
  succeeded: boolean;
}

export interface AttemptHook {
  readonly name: string;
  /** Before the command. `signal` aborts when the attempt is killed meanwhile. */
  prepare?(signal: AbortSignal): Promise<void>;
  /** After a command that ran to its end (not stopped). */
  afterCommand?(outcome: CommandOutcome, signal: AbortSignal): Promise<void>;
  /** Always, last hook first; never aborted, since it undoes what holds the node (mounts). */
  cleanup?(): Promise<void>;
}

/**
 * Runs every cleanup, last hook first. A failure is handed to `problem` at once, while the hooks
 * after it (the logs, last) are still open to say so; it does not change the attempt's outcome.
 */
export async function cleanupAll(hooks: readonly AttemptHook[], problem: (text: string) => void): Promise<void> {
  for (const hook of [...hooks].reverse()) {
    try {
      await hook.cleanup?.();
    } catch (err) {
      problem(`${hook.name} cleanup: ${describeError(err)}`);
    }
  }
}
