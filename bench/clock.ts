/**
 * One clock for every bench process: wall-clock milliseconds with sub-millisecond resolution.
 * The harness, the simulator and the controller run on one host, so their readings compare.
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
