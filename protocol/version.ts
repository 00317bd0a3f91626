/**
 * Wire protocol version spoken by this build. Bumped when a message gains meaning an old peer
 * would not give it. 2: `attemptStatus.retryable`.
 */
export const PROTOCOL_VERSION = 2;
/** Oldest agent protocol version the controller still accepts. */
export const MIN_PROTOCOL_VERSION = 1;
/** Product version, reported by `--version` of every binary. */
export const BATCH_VERSION = '0.1.0';

export function isProtocolSupported(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
}
