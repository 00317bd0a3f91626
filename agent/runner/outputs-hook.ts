/**
 * Outputs, after the command (per `uploadOn`: by default only after success). The files are
 * listed, upload URLs requested from the controller in batches that fit a frame, and each file
 * PUT from disk. A missing file output, a refused grant or a failed PUT is STAGE_OUT_ERROR.
 */
import type { StartAttempt } from '../../protocol/messages.js';
import { describeError } from '../log.js';
import { checkOutputPaths, collectOutputs, type OutputFile } from '../staging/collect-outputs.js';
import { TransferError } from '../staging/download.js';
import { eachLimited } from '../staging/each-limited.js';
import { upload } from '../staging/upload.js';
import type { UploadGrants } from '../upload-grants.js';
import { fail, StepFailed } from './failure.js';
import type { AttemptHook } from './hook.js';
import { cappedSay, formatBytes, type Say } from './setup-log.js';

const PARALLEL_UPLOADS = 4;
const LINES_PER_FILE_UP_TO = 50;
// A grant carries a signed URL (~1-2 KB) per file and must fit the 4 MiB frame limit.
const FILES_PER_REQUEST = 1000;
const PATH_BYTES_PER_REQUEST = 1024 * 1024;

export interface OutputsHookOptions {
  spec: Pick<StartAttempt, 'attemptId' | 'outputs' | 'uploadOn'>;
  workDir: string;
  grants: UploadGrants;
  say: Say;
  /** The uid every uploaded file must belong to (the task's user); undefined on Windows. */
  owner: number | undefined;
}

export function outputsHook({ spec, workDir, grants, say, owner }: OutputsHookOptions): AttemptHook {
  const outputs = spec.outputs ?? [];
  const uploadOn = spec.uploadOn ?? 'success';

  async function uploadAll(signal: AbortSignal): Promise<void> {
    const files = await collectOutputs(workDir, outputs);
    if (files.length === 0) {
      say('outputs: no files to upload');
      return;
    }
    const lines = cappedSay(say, LINES_PER_FILE_UP_TO);
    let uploaded = 0;
    for (const batch of batches(files)) {
      const grant = await grants.request(
        spec.attemptId,
        batch.map((f) => ({ path: f.path, size: f.size })),
        signal,
      );
      if (grant.error !== undefined)
        throw fail('STAGE_OUT_ERROR', `outputs: the controller granted no upload URLs: ${grant.error}`, false);
      const granted = new Map(grant.uploads.map((u) => [u.path, u]));
      await eachLimited(batch, PARALLEL_UPLOADS, async (file) => {
        const target = granted.get(file.path);
        if (target === undefined)
          throw fail('STAGE_OUT_ERROR', `output ${file.path}: the controller granted no upload URL for it`, false);
        try {
          const sent = await upload(file.absolute, target.url, signal, owner);
          uploaded += sent.size;
        } catch (err) {
          if (err instanceof TransferError)
            throw fail(
              'STAGE_OUT_ERROR',
              `output ${file.path} -> ${target.destination}: upload failed: ${err.message}`,
              err.retryable,
            );
          throw err;
        }
        lines.item(`output ${file.path} -> ${target.destination} (${formatBytes(file.size)})`);
      });
    }
    lines.done(`${files.length} files uploaded (${formatBytes(uploaded)})`);
  }

  return {
    name: 'outputs',
    // a path that can never be uploaded is refused before the command spends any time
    async prepare() {
      checkOutputPaths(outputs);
    },
    async afterCommand(outcome, signal) {
      if (outputs.length === 0) return;
      if (uploadOn !== 'always' && (uploadOn === 'success') !== outcome.succeeded) {
        say(
          `outputs not uploaded: the command ${outcome.succeeded ? 'succeeded' : 'failed'} and uploadOn is ${uploadOn}`,
        );
        return;
      }
      try {
        await uploadAll(signal);
      } catch (err) {
        if (err instanceof StepFailed || signal.aborted) throw err;
        throw fail('STAGE_OUT_ERROR', `outputs: ${describeError(err)}`, false);
      }
    },
  };
}

function* batches(files: readonly OutputFile[]): Generator<OutputFile[]> {
  let batch: OutputFile[] = [];
  let bytes = 0;
  for (const file of files) {
    const size = Buffer.byteLength(file.path);
    if (batch.length > 0 && (batch.length >= FILES_PER_REQUEST || bytes + size > PATH_BYTES_PER_REQUEST)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(file);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
