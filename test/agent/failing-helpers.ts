/**
 * Loaded into a real agent with `node --import` by helper-failures.test.ts: a library inside the
 * agent whose helpers keep failing, the way systeminformation's did on Windows before 10 (#18).
 * It never listens for errors, so each failure reaches whatever the agent does about them:
 * - a helper that exits at once, written to before Node has noticed: write EPIPE on its stdin;
 * - a helper killed while it runs (`taskkill /IM powershell.exe /F`), written to the same way;
 * - a helper that is not installed: spawn ENOENT on the child process;
 * - a socket reset by its peer: ECONNRESET, on no child process at all.
 * With FAILING_HELPERS=bug it throws a TypeError instead, an error of the agent's own kind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const EVERY_MS = 100;

/**
 * systeminformation lost a race: its write reached the pipe after the helper had exited but
 * before Node had seen the exit (once Node has, it destroys the child's stdin and writes to it
 * are dropped). Here the race is always lost: wait, synchronously so that Node cannot see the
 * exit in between, until the helper is a zombie (its pipes are closed by then), then write.
 */
function writeOnceGone(child: ChildProcess): void {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline && !isZombie(child.pid!)) {
    // busy wait: a few milliseconds
  }
  child.stdin!.write('Get-CimInstance Win32_LogicalDisk\r\n');
}

function isZombie(pid: number): boolean {
  try {
    // "<pid> (<comm>) <state> ...": comm may hold spaces and parentheses, the state follows the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function failOnce(): void {
  writeOnceGone(spawn('true', [], { stdio: 'pipe' }));
  const killed = spawn('sleep', ['30'], { stdio: 'pipe' });
  killed.kill('SIGKILL');
  writeOnceGone(killed);
  spawn('batch-test-no-such-helper', [], { stdio: 'pipe' });
  const server = createServer((peer) => {
    peer.resetAndDestroy();
    server.close();
  });
  server.listen(0, '127.0.0.1', () => connect((server.address() as { port: number }).port, '127.0.0.1'));
}

// Only once the agent handles uncaught errors at all: before that, main.ts is still starting.
const timer = setInterval(() => {
  if (process.listenerCount('uncaughtException') === 0) return;
  if (process.env.FAILING_HELPERS === 'bug') {
    clearInterval(timer);
    (undefined as unknown as { probe(): void }).probe();
  }
  failOnce();
}, EVERY_MS);
timer.unref();
