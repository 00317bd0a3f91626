/**
 * The nodes page keeps each node's heartbeat metrics while it is open and draws them as small
 * charts: a chart appears for a local node, says its latest value and range in its label, and
 * gains a point with each new heartbeat (every 5 s by default).
 */
import t from 'tap';
import { browserTestsUnavailable, launchBrowser, openConsole, screenshot, signIn, visit } from './browser.js';
import { startConsoleCluster } from './console-cluster.js';

const unavailable = browserTestsUnavailable();
// Generous: `make test` runs this beside the end-to-end tests on a 2-core machine.
t.setTimeout(300_000);

t.test('a node’s metrics history on the nodes page', { skip: unavailable ?? false }, async (t) => {
  const { controller } = await startConsoleCluster(t, 1);
  const browser = await launchBrowser(t);
  const { page, problems } = await openConsole(browser, controller.url);
  await signIn(page, controller.token);
  await visit(page, '/nodes');

  const row = page.getByRole('row', { name: /local-0/ });
  const cpu = row.locator('svg.sparkline.chart-cpu');
  await cpu.waitFor();
  const pointsOf = async () => Number(await cpu.getAttribute('data-points'));
  const first = await pointsOf();
  t.ok(first >= 1, `a CPU chart with ${first} point(s)`);
  t.match(
    await cpu.getAttribute('aria-label'),
    /^CPU \d+% now, \d+–\d+% over the last \d+ heartbeats$/,
    'its label says the latest value and the range',
  );
  t.equal(await row.locator('svg.sparkline.chart-memory').count(), 1, 'a memory chart');
  t.equal(await row.locator('svg.sparkline.chart-disk').count(), 1, 'a disk chart');

  // The next heartbeat (5 s) reaches the page at its next poll (5 s): a second point, then a line.
  await page.waitForFunction(
    (before) => Number(document.querySelector('svg.sparkline.chart-cpu')?.getAttribute('data-points')) > before,
    first,
    { timeout: 60_000, polling: 250 },
  );
  const later = await pointsOf();
  t.ok(later > first, `the chart gained points (${first} → ${later})`);
  t.equal(await cpu.locator('polyline').count(), 1, 'two points or more make a line');
  t.match(await cpu.getAttribute('aria-label'), new RegExp(`over the last ${later} heartbeats$`));
  await screenshot(page, 'nodes-history');
  t.same(problems, [], 'no uncaught error, no CSP violation');
});
