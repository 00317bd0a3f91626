/**
 * This host's raw process-spawn rate, the yardstick for real instances: `count` processes from
 * Node, `concurrency` at a time, each spawned the way the agent spawns a task (detached, stdin
 * ignored, stdout and stderr piped) and awaited until it exited and its pipes closed.
 */
import { spawn } from 'node:child_process';
import { wallNow } from './clock.js';

export async function spawnRate(
  command: string,
  args: readonly string[],
  count: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        child.stdout.resume();
        child.stderr.resume();
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
      });
    }
  };
  const started = wallNow();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((wallNow() - started) / 1000);
}
