/**
 * Inputs: objects the controller expanded into single files, each downloaded from its signed URL
 * to its path in the work dir (after the package, so an input may replace a packaged file).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StagedInput } from '../../protocol/messages.js';
import { describeError } from '../log.js';
import { download, TransferError } from '../staging/download.js';
import { eachLimited } from '../staging/each-limited.js';
import { resolveInside, unsafePathRule } from '../staging/safe-path.js';
import { fail, StepFailed } from './failure.js';
import type { AttemptHook } from './hook.js';
import { cappedSay, formatBytes, type Say } from './setup-log.js';

const PARALLEL_DOWNLOADS = 8;
const LINES_PER_OBJECT_UP_TO = 50;

export interface InputsHookOptions {
  inputs: readonly StagedInput[];
  workDir: string;
  say: Say;
}

export function inputsHook({ inputs, workDir, say }: InputsHookOptions): AttemptHook {
  return {
    name: 'inputs',
    async prepare(signal) {
      if (inputs.length === 0) return;
      const targets = inputs.map((input) => {
        const target = resolveInside(workDir, input.path);
        if (target === undefined) {
          const rule = unsafePathRule(input.path) ?? 'names the work dir itself';
          throw fail('STAGE_IN_ERROR', `input ${input.source}: the path ${JSON.stringify(input.path)} ${rule}`, false);
        }
        return { input, target };
      });
      const lines = cappedSay(say, LINES_PER_OBJECT_UP_TO);
      let total = 0;
      await eachLimited(targets, PARALLEL_DOWNLOADS, async ({ input, target }) => {
        try {
          await mkdir(path.dirname(target), { recursive: true });
          const got = await download(input.url, target, { signal, maxBytes: input.size });
          if (input.size !== undefined && got.bytes !== input.size) {
            throw fail(
              'STAGE_IN_ERROR',
              `input ${input.source}: size mismatch: expected ${input.size} B, downloaded ${got.bytes} B`,
              false,
            );
          }
          total += got.bytes;
          lines.item(`input ${input.source} -> ${input.path} (${formatBytes(got.bytes)})`);
        } catch (err) {
          if (err instanceof StepFailed || signal.aborted) throw err;
          if (err instanceof TransferError)
            throw fail('STAGE_IN_ERROR', `input ${input.source}: download failed: ${err.message}`, err.retryable);
          throw fail('STAGE_IN_ERROR', `input ${input.source} -> ${input.path}: ${describeError(err)}`, false);
        }
      });
      lines.done(`${inputs.length} inputs staged (${formatBytes(total)})`);
    },
  };
}
