/**
 * The console works in Firefox and in WebKit (Safari's engine), not only in Chromium: each signs
 * in, loads every page from its URL (deep links), draws a job's DAG, shows an instance's stdout
 * and its spec, puts a template on the builder's canvas, and loads nothing from another origin.
 * The full behaviour is tested in Chromium (pages.test.ts, quickstart.test.ts); this walk catches
 * what differs between engines: layout measured by ResizeObserver, CSP, fetch streaming, forms.
 */
import t from 'tap';
import { browserTestsUnavailable } from './browser.js';
import { startConsoleCluster } from './console-cluster.js';
import { consolePages } from './console-pages.js';
import {
  firefoxDriver,
  firefoxUnavailable,
  webkitDriver,
  webkitUnavailable,
  type ConsoleDriver,
} from './other-browsers.js';
import { waitFor } from '../support/wait.js';

t.setTimeout(480_000);

const consoleMissing = browserTestsUnavailable()?.includes('make build') ? browserTestsUnavailable() : undefined;
const engines = [
  { name: 'Firefox', unavailable: consoleMissing ?? firefoxUnavailable(), start: firefoxDriver },
  { name: 'WebKit', unavailable: consoleMissing ?? webkitUnavailable(), start: webkitDriver },
];

t.test('the console in Firefox and WebKit', { skip: engines.every((e) => e.unavailable) }, async (t) => {
  const { controller, client } = await startConsoleCluster(t, 2);
  await client.createTemplate({ name: 'batch-hello', command: 'echo hello', timeoutSeconds: 60 });
  const job = await client.submitJob({
    name: 'walk',
    tasks: [
      { name: 'a', command: 'echo "line from $BATCH_INSTANCE_INDEX"', instances: 3 },
      { name: 'b', command: 'true', dependsOn: ['a'] },
    ],
  });
  await waitFor('the job to succeed', async () => (await client.getJob(job.id)).state === 'SUCCEEDED', {
    timeoutMs: 60_000,
    intervalMs: 100,
  });

  for (const engine of engines) {
    t.test(engine.name, { skip: engine.unavailable ?? false }, async (t) => {
      const browser: ConsoleDriver = await engine.start(t, controller.url);

      await browser.open('/');
      await browser.fill('#token', controller.token);
      await browser.click('button[type="submit"]');
      await browser.waitFor('tbody tr');
      t.match(await browser.text('tbody'), 'walk', 'signed in: the jobs list shows the job');

      for (const { path, ready, name } of consolePages(job.id)) {
        await browser.open(path);
        await browser.waitFor(ready);
        await browser.screenshot(`${browser.name}-${name}`);
        t.pass(`${path} loads from its URL`);
        if (name === 'job') {
          t.equal(await browser.count('.react-flow__node'), 2, 'the DAG has a box per task');
          await browser.waitFor('.react-flow__edge');
          t.match(await browser.text('[data-testid="job-spec"]'), '"name": "walk"', 'the spec as submitted');
        }
        if (name === 'log') {
          await waitFor('the stdout line', async () => (await browser.text(ready)).includes('line from 0'), {
            timeoutMs: 30_000,
            intervalMs: 100,
          });
          t.pass("the instance's stdout is shown");
        }
      }

      await browser.open('/builder');
      await browser.click('button[aria-label="Add batch-hello to the job"]');
      await browser.waitFor('.react-flow__node');
      t.equal(await browser.count('.react-flow__node'), 1, 'a template lands on the canvas');

      const origin = new URL(controller.url).origin;
      t.same(
        (await browser.resources()).filter((url) => new URL(url).origin !== origin),
        [],
        'nothing is loaded from another origin',
      );
      t.same(browser.problems, [], 'no uncaught error and no CSP violation reported');
    });
  }
});
