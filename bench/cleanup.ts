/**
 * What a scenario run started, undone in reverse order when the run ends, however it ends. A
 * failing step does not stop the others; the failures are reported together afterwards.
 */
export class Cleanup {
  /** Set when the run failed: steps may keep what helps find out why (a data dir, a log). */
  failed = false;
  private readonly steps: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  /** Runs every step, newest first; returns what failed. */
  async run(): Promise<string[]> {
    const failures: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        failures.push(`${step.what}: ${(err as Error).message}`);
      }
    }
    return failures;
  }
}
