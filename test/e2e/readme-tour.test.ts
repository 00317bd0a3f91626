/**
 * The README's tour, run as written: every `bash` block of its "A five-minute tour" section,
 * top to bottom, pasted into one `bash -euo pipefail` against a controller started as `make run`
 * starts it (PGlite, two local nodes, tasks without an environment in the caller's auto
 * environment), with `batchctl` and `batch-agent` on the PATH as the README says to put them.
 * A command the README shows that fails, or a variable it uses that no step set, fails the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startController } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

t.setTimeout(360_000);

/** The `bash` code blocks of one `## ` section of a markdown file, in order. */
function bashBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

t.test('bashBlocks takes only the section and only bash', async (t) => {
  const md = '# x\n## A\n```bash\none\n```\n```\nout\n```\n## B\n```bash\ntwo\n```\n';
  t.same(bashBlocks(md, 'A'), ['one\n']);
  t.same(bashBlocks(md, 'B'), ['two\n']);
  t.throws(() => bashBlocks(md, 'C'), /no section/);
});

t.test("the README's tour runs top to bottom as written", async (t) => {
  const blocks = bashBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), 'A five-minute tour');
  t.ok(blocks.length >= 3, `the tour has its command blocks (${blocks.length})`);

  const controller = await startController(t, {
    store: 'pglite',
    localNodes: 2,
    // As `make run`: no default environment configured, so tasks that name none go to auto-admin.
    env: { BATCH_DEFAULT_ENVIRONMENT: '' },
  });
  // What the README's install step gives: the package's bin entries on the PATH.
  const bin = path.join(tmpDir(t, 'batch-tour-bin-'), 'bin');
  mkdirSync(bin);
  for (const name of ['batchctl', 'batch-agent', 'batch-controller'])
    symlinkSync(path.join(ROOT, 'bin', `${name}.js`), path.join(bin, name));
  const script = path.join(path.dirname(bin), 'tour.sh');
  writeFileSync(script, blocks.join('\n'));

  const run = spawnSync('bash', ['-euo', 'pipefail', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      BATCH_URL: controller.url,
      BATCH_TOKEN: controller.token,
    },
  });
  if (run.status !== 0) {
    t.comment(`--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
    t.comment(`--- the controller's log, last 40 lines\n${controller.log().split('\n').slice(-40).join('\n')}`);
  }
  t.equal(run.status, 0, 'the tour exits 0');
  t.match(run.stdout, /hello from instance 0 of 2 on n-/, "it showed the instance's stdout");
  t.match(run.stdout, /already SUCCEEDED; nothing to stop/, 'stop of a finished job said so');
  t.match(run.stdout, /job j-\S+ STOPP(ING|ED)\n/, 'stop of a running job stopped it');
});
