/**
 * The provider program runner's process (program-runner.ts): runs what the controller asks,
 * answers with the outcome. It exits with the controller (its IPC channel closes).
 */
import type { FromHelper, ToHelper } from './program-runner.js';
import { runProgram } from './program-run.js';

const running = new Map<number, AbortController>();

process.on('message', (message: ToHelper) => {
  if ('cancel' in message) {
    running.get(message.id)?.abort();
    return;
  }
  const cancel = new AbortController();
  running.set(message.id, cancel);
  void runProgram(message.run, cancel.signal).then((outcome) => {
    running.delete(message.id);
    process.send?.({ id: message.id, outcome } satisfies FromHelper);
  });
});
process.on('disconnect', () => process.exit(0));
