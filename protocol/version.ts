/** Wire protocol version spoken by this build. Bump when a message changes incompatibly. */
export const PROTOCOL_VERSION = 1;
/** Oldest agent protocol version the controller still accepts. */
export const MIN_PROTOCOL_VERSION = 1;
/** Product version, reported by `--version` of every binary. */
export const BATCH_VERSION = '0.1.0';

export function isProtocolSupported(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
}
