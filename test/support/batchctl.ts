/**
 * Runs the built batchctl (dist/cli/main.js) as a real process, isolated from the caller's BATCH_*
 * variables, so a test states exactly which controller URL and token the CLI sees.
 */
import { fileURLToPath } from 'node:url';
import { NodeProcess, type ProcessResult } from './child-process.js';

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
export const TOKEN = 'test-token-123';

export interface BatchctlOptions {
  /** BATCH_URL; omitted = unset. */
  url?: string;
  /** BATCH_TOKEN; default TOKEN, null = unset. */
  token?: string | null;
  stdin?: string;
  env?: Record<string, string>;
}

export function startBatchctl(args: readonly string[], options: BatchctlOptions = {}): NodeProcess {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('BATCH_')) env[key] = value;
  if (options.url !== undefined) env.BATCH_URL = options.url;
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) env.BATCH_TOKEN = token;
  Object.assign(env, options.env);
  return new NodeProcess(CLI, args, { env, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
}

export function runBatchctl(args: readonly string[], options: BatchctlOptions = {}): Promise<ProcessResult> {
  return startBatchctl(args, options).exited;
}
