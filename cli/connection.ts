/** Where the controller is and which token to present: flags first, then the environment. */
import { UsageError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ConnectionSettings {
  url: string;
  token: string | undefined;
}

export function resolveConnection(
  flags: { url?: string | undefined; token?: string | undefined },
  env: Record<string, string | undefined>,
): ConnectionSettings {
  const url = flags.url || env.BATCH_URL || DEFAULT_URL;
  if (!isHttpUrl(url)) {
    const source = flags.url ? '--url' : 'BATCH_URL';
    throw new UsageError(`the controller URL "${url}" (from ${source}) must be an http:// or https:// URL`);
  }
  const token = flags.token || env.BATCH_TOKEN || undefined;
  return { url, token };
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
