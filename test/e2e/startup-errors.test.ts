/**
 * A controller that cannot start says why in one line, with the setting to change, and exits 2:
 * a data dir another controller uses (its embedded database must never be opened twice), and a
 * port in use.
 */
import t from 'tap';
import { runNode } from '../support/child-process.js';
import { ADMIN_TOKEN, CONTROLLER_MAIN, startController } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';

t.test('a second controller on the same data dir, or on a busy port, is refused in one line', async (t) => {
  const first = await startController(t, { store: 'pglite' });
  const port = new URL(first.url).port;
  const env = (dataDir: string, port: string): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, BATCH_DATA_DIR: dataDir, BATCH_PORT: port, BATCH_LOCAL_NODES: '0' };
    e.BATCH_ADMIN_TOKEN = ADMIN_TOKEN;
    delete e.BATCH_DATABASE_URL;
    delete e.NODE_OPTIONS;
    return e;
  };

  const sameDir = await runNode(CONTROLLER_MAIN, [], { env: env(first.dataDir, '0'), timeoutMs: 60_000 });
  t.equal(sameDir.code, 2);
  t.match(sameDir.stderr, /^batch-controller: BATCH_DATA_DIR=.*another controller \(pid \d+\) uses this data dir/);
  t.equal(sameDir.stderr.trim().split('\n').length, 1, 'one line');

  const busy = await runNode(CONTROLLER_MAIN, [], { env: env(tmpDir(t), port), timeoutMs: 90_000 });
  t.equal(busy.code, 2);
  // The log lines before it (JSON, on stderr) say what had started; the error is the last line, alone.
  const lines = busy.stderr.trim().split('\n');
  t.match(
    lines.at(-1),
    new RegExp(`^batch-controller: BATCH_PORT=${port}: .* is in use .*; set BATCH_PORT to a free port$`),
  );
  t.notOk(/\n\s+at /.test(busy.stderr), 'no stack trace');

  // The first one still serves.
  t.equal((await fetch(`${first.url}/healthz`)).status, 200);
});
