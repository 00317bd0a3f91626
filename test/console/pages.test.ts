/**
 * The console's pages in a browser against a real controller: a failed instance says why, a job
 * stops from its page, the API's validation errors land on the fields they name, a refused token
 * returns to sign-in, every page passes axe-core, and every page in Chinese shows no English
 * string of the dictionary. Screenshots of each page go to test-results/console/.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import type { BatchClient } from '../../sdk/client.js';
import { en } from '../../console/src/i18n/en.js';
import { zh } from '../../console/src/i18n/zh.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import {
  browserTestsUnavailable,
  launchBrowser,
  openConsole,
  screenshot,
  seriousAxeViolations,
  signIn,
  visit,
} from './browser.js';
import { consolePages as pages } from './console-pages.js';
import { startConsoleCluster } from './console-cluster.js';

const unavailable = browserTestsUnavailable();
// Generous: `make test` runs this beside the end-to-end tests on a 2-core machine.
t.setTimeout(480_000);

async function waitFinished(client: BatchClient, id: string) {
  return waitFor(
    `job ${id} to finish`,
    async () => {
      const job = await client.getJob(id);
      return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(job.state) ? job : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

/** Dictionary values that differ between the languages, as patterns (`{name}` matches anything). */
const ENGLISH = Object.entries(en)
  .filter(([key, value]) => zh[key as keyof typeof zh] !== value)
  .map(([key, value]) => ({
    key,
    pattern: new RegExp(
      `^${value
        .split(/\{\w+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.+?')}$`,
      's',
    ),
  }));

/** English dictionary strings in the page's text, labels, titles and placeholders. */
async function untranslated(page: Page): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const found: string[] = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.nodeValue?.trim();
      if (text) found.push(text);
    }
    for (const element of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const name of ['aria-label', 'title', 'placeholder']) {
        const value = element.getAttribute(name)?.trim();
        if (value) found.push(value);
      }
    }
    return found;
  });
  return texts.flatMap((text) => ENGLISH.filter((e) => e.pattern.test(text)).map((e) => `${e.key}: "${text}"`));
}

t.test('the console pages in a browser', { skip: unavailable ?? false }, async (t) => {
  const { controller, client } = await startConsoleCluster(t, 1);
  await client.createTemplate({ name: 'batch-hello', command: 'echo hello', timeoutSeconds: 60 });
  const failed = await client.submitJob({ name: 'fails', tasks: [{ name: 'a', command: 'exit 3', instances: 3 }] });
  await waitFinished(client, failed.id);
  const browser = await launchBrowser(t);
  const { page, problems } = await openConsole(browser, controller.url);
  await signIn(page, controller.token);

  t.test('a failed instance shows its failure reason', async (t) => {
    await visit(page, `/jobs/${failed.id}`);
    const reasons = page.getByRole('list', { name: 'Why instances of a failed' });
    await reasons.waitFor();
    t.equal(await reasons.textContent(), '3 × the command exited non-zero (exit code 3)', 'on the job page, counted');
    await visit(page, `/jobs/${failed.id}/tasks/a`);
    const cell = page.locator('.instance-grid .cell[data-index="1"]');
    await cell.waitFor();
    t.match(await cell.getAttribute('title'), /Instance 1 · Failed · the command exited non-zero · exit code 3/);
    await cell.hover();
    await cell.click();
    const attempts = page.locator('.attempts');
    await attempts.getByText('the command exited non-zero').waitFor();
    t.match(await attempts.textContent(), /Failed.*n-\w+3the command exited non-zero/s, 'node, exit code, reason');
    t.match(await attempts.textContent(), '(the agent reported: exited with code 3)', "the agent's words after");
    await page.getByRole('link', { name: 'of job fails' }).waitFor();
    // Picking an instance is a step of its own: Back returns to the task without one.
    await page.goBack();
    await attempts.waitFor({ state: 'detached' });
    t.match(page.url(), /\/tasks\/a$/, 'Back from an instance');
    await page.goForward();
    await attempts.waitFor();
    await screenshot(page, 'failed-instance');
  });

  t.test('a job stops from its page', async (t) => {
    const sleeper = await client.submitJob({ name: 'sleeper', tasks: [{ name: 'a', command: 'sleep 120' }] });
    await visit(page, `/jobs/${sleeper.id}`);
    await page.locator('.page-title .badge.st-RUNNING').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    t.match(await dialog.textContent(), 'Stop job "sleeper"?', 'asks first');
    await dialog.getByRole('button', { name: 'Yes, stop' }).click();
    await page.locator('.page-title .badge.st-STOPPED').waitFor({ timeout: 30_000 });
    t.equal((await client.getJob(sleeper.id)).state, 'STOPPED');
  });

  t.test('validation errors land on the fields they name', async (t) => {
    await visit(page, '/builder');
    await page.getByRole('button', { name: 'Add a task without a template' }).click();
    await page.getByRole('button', { name: 'Edit task task' }).click();
    await page.getByLabel('Instances', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Submit the job' }).click();
    t.match(await page.locator('#job-name-error').textContent(), 'must not be empty', 'on the job name');
    t.match(await page.locator('.field-instances .field-error').textContent(), /must be/, 'on the task field');
    t.match(await page.locator('.task-box.invalid').textContent(), /must be/, 'on the task box');
    await screenshot(page, 'builder-validation');

    await page.getByLabel('Job name').fill('no-command');
    await page.getByLabel('Instances', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Submit the job' }).click();
    await page.locator('.field-command .field-error').waitFor();
    t.match(await page.locator('.field-command .field-error').textContent(), 'must not be empty');
    t.equal(await page.locator('#job-name-error').count(), 0, 'the fixed field is clear');
    t.match(page.url(), /\/builder$/, 'nothing was submitted');
  });

  t.test('a wide task: 100 instances in the grid, each saying why it waits', async (t) => {
    const wide = await client.submitJob({
      name: 'wide',
      tasks: [
        { name: 'first', command: 'sleep 60' },
        { name: 'many', command: 'true', instances: 100, dependsOn: ['first'] },
      ],
    });
    t.teardown(() => client.stopJob(wide.id));
    // The edge's label fits between the boxes it joins, not hidden under them.
    await visit(page, `/jobs/${wide.id}`);
    const label = page.locator('.react-flow__edge-text');
    await label.waitFor();
    t.equal(await label.textContent(), 'on success · whole task');
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const [first, many, text] = await Promise.all([
      box('.react-flow__node[data-id="first"]'),
      box('.react-flow__node[data-id="many"]'),
      box('.react-flow__edge-text'),
    ]);
    t.ok(first.x + first.width <= text.x && text.x + text.width <= many.x, 'the edge label is between the boxes');
    await visit(page, `/jobs/${wide.id}/tasks/many`);
    await page.locator('.instance-grid .cell[data-index="99"]').waitFor();
    t.equal(await page.locator('.instance-grid .cell').count(), 100);
    const cell = page.locator('.instance-grid .cell[data-index="57"]');
    t.equal(await cell.getAttribute('title'), 'Instance 57 · Pending · waiting for upstream tasks');
    await cell.click();
    await page.getByText('Pending: waiting for upstream tasks').waitFor();
    // The keyboard crosses the grid with arrow keys, and Enter picks a cell.
    await cell.focus();
    await page.keyboard.press('ArrowRight');
    t.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.index), '58');
    await page.keyboard.press('ArrowUp');
    const above = await page.evaluate(() => Number((document.activeElement as HTMLElement).dataset.index));
    t.ok(above < 58, `ArrowUp goes a row up (to ${above})`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(`^Instance ${above}\\b`) }).waitFor();
    await screenshot(page, 'wide-task');
  });

  t.test("a running attempt's output is followed live", async (t) => {
    const ticker = await client.submitJob({
      name: 'ticker',
      tasks: [{ name: 'a', command: 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done' }],
    });
    await waitFor('the ticker to run', async () => (await client.getJob(ticker.id)).counts.RUNNING === 1, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    await visit(page, `/jobs/${ticker.id}/tasks/a/instances/0/logs`);
    await page.getByText('Following live').waitFor();
    await page
      .getByTestId('log-output')
      .getByText(/tick 1/)
      .waitFor();
    await page
      .getByTestId('log-output')
      .getByText(/tick 6/)
      .waitFor({ timeout: 20_000 });
    t.equal(await page.getByTestId('log-output').textContent(), 'tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n');
    await page.getByText('Following live').waitFor({ state: 'detached', timeout: 20_000 });
  });

  t.test('a large log: only its tail is on the page, and the whole of it downloads', async (t) => {
    const big = await client.submitJob({ name: 'big-log', tasks: [{ name: 'a', command: 'seq 1 400000' }] });
    await waitFinished(client, big.id);
    let bytes = 0;
    for (let i = 1; i <= 400_000; i++) bytes += String(i).length + 1;
    await visit(page, `/jobs/${big.id}/tasks/a/instances/0/logs`);
    await page.getByText(/^Showing the last 256\.0 KiB of 2\.\d MiB/).waitFor({ timeout: 30_000 });
    const shown = (await page.getByTestId('log-output').textContent()) ?? '';
    t.ok(shown.length <= 256 * 1024, `at most 256 KiB on the page (${shown.length} characters)`);
    t.match(shown, /\n399999\n400000\n$/, 'ending with the last line');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    t.equal(download.suggestedFilename(), `${big.id}-a-0-1.stdout.log`);
    t.equal(statSync(await download.path()).size, bytes, 'the download is the whole log');
  });

  t.test('the builder: a template dragged onto the canvas, and a spec file imported', async (t) => {
    await visit(page, '/builder');
    const dropped = page.locator('.react-flow__node', { hasText: 'batch-hello' });
    await waitFor(
      'the dropped box',
      async () => {
        if ((await dropped.count()) === 0) {
          await page.locator('.palette li', { hasText: 'batch-hello' }).dragTo(page.getByTestId('builder-canvas'));
        }
        return (await dropped.count()) === 1;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    t.pass('dropped a box from the palette');

    const file = path.join(tmpDir(t, 'batch-spec-'), 'helloworld.yaml');
    writeFileSync(
      file,
      'name: imported\npriority: 3\ntasks:\n  - name: hello\n    template: batch-hello\n    instances: 2\n' +
        '  - name: goodbye\n    command: echo bye\n    dependsOn: [{ task: hello, on: any, per: task }]\n',
    );
    await page.locator('input[type="file"]').setInputFiles(file);
    await page.getByLabel('Job name').and(page.locator('[value="imported"]')).waitFor();
    t.same(JSON.parse((await page.getByTestId('spec-preview').textContent()) ?? ''), {
      name: 'imported',
      tasks: [
        { name: 'hello', template: 'batch-hello', instances: 2 },
        { name: 'goodbye', command: 'echo bye', dependsOn: [{ task: 'hello', on: 'any', per: 'task' }] },
      ],
      priority: 3,
    });
    t.equal(await page.locator('.react-flow__node').count(), 2, 'the file replaced the canvas');
    t.match(await page.locator('.react-flow__edge-text').first().textContent(), 'on any end · whole task');

    // A third task, connected by dragging from goodbye's output to its input. The canvas is fitted
    // first, so both handles are in view; a drag that a loaded machine lost is made again.
    await page.getByRole('button', { name: 'Add a task without a template' }).click();
    const third = page.locator('.react-flow__node', { hasText: /^task/ });
    await third.waitFor();
    await page.getByRole('button', { name: 'Fit the graph in view' }).click();
    const edges = page.locator('.react-flow__edge');
    await waitFor(
      'the dragged edge',
      async () => {
        if ((await edges.count()) < 2) {
          await page
            .locator('.react-flow__node', { hasText: 'goodbye' })
            .locator('.react-flow__handle-right')
            .dragTo(third.locator('.react-flow__handle-left'));
        }
        return (await edges.count()) === 2;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    t.match(
      await page.getByTestId('spec-preview').textContent(),
      /"name": "task",\s+"dependsOn": \[\s+"goodbye"\s+\]/,
      'the dragged edge is a dependency',
    );

    // An edge opens its panel on a click; its condition changes there.
    await page.getByRole('button', { name: 'Dependency hello → goodbye' }).click();
    await page
      .getByRole('group', { name: 'Dependency hello → goodbye' })
      .getByLabel('When the first')
      .selectOption('failure');
    t.match(await page.getByTestId('spec-preview').textContent(), '"on": "failure"');
    await screenshot(page, 'builder-imported');
  });

  t.test('object storage: upload to a new bucket, list the prefix, download', async (t) => {
    await visit(page, '/storage');
    await page.getByLabel('Bucket').fill('console-test');
    await page.getByLabel('Prefix').fill('in/');
    const file = path.join(tmpDir(t, 'batch-upload-'), 'hello.txt');
    writeFileSync(file, 'hello from the console\n');
    await page.locator('input[type="file"]').setInputFiles(file);
    const row = page.getByRole('row', { name: /in\/hello\.txt/ });
    await row.waitFor();
    t.match(await row.textContent(), '23 B');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Download in/hello.txt' }).click(),
    ]);
    t.equal(readFileSync(await download.path(), 'utf8'), 'hello from the console\n');
    t.same(
      (await client.listBuckets()).items.map((b) => b.name),
      ['console-test'],
      'the upload claimed the bucket',
    );
    // After a reload the form is empty, but the bucket is listed and lists its objects.
    await page.reload();
    await page.getByRole('button', { name: 'List the objects in console-test' }).click();
    await page.getByRole('row', { name: /in\/hello\.txt/ }).waitFor();
    t.equal(await page.getByLabel('Bucket').inputValue(), 'console-test', 'the form follows the choice');
    // A bucket that cannot be listed shows why, and none of the last bucket's objects.
    await page.getByLabel('Bucket').fill('Bad_Bucket!');
    await page.getByRole('button', { name: 'List', exact: true }).click();
    await page.getByRole('alert').waitFor();
    t.equal(await page.getByRole('row', { name: /in\/hello\.txt/ }).count(), 0, 'the listing is cleared');
  });

  t.test('the jobs list: pages of 20, filtered by state and by name', async (t) => {
    const existing = (await client.listJobs({ limit: 1000 })).items.length;
    for (let i = existing; i < 25; i++)
      await client.submitJob({ name: `filler-${i}`, tasks: [{ name: 'a', command: 'true' }] });
    await visit(page, '/jobs');
    const rows = page.locator('tbody tr');
    await rows.nth(19).waitFor();
    t.equal(await rows.count(), 20, 'the first page');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await waitFor('the second page', async () => (await rows.count()) === 5, { timeoutMs: 10_000 });
    t.pass('the second page has the other 5');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await rows.nth(19).waitFor();

    await page.getByLabel('State').selectOption({ label: 'Failed' });
    await waitFor(
      'failed jobs only',
      async () => (await rows.count()) > 0 && (await rows.locator('.badge.st-FAILED').count()) === (await rows.count()),
      {
        timeoutMs: 10_000,
      },
    );
    t.match(await page.locator('tbody').textContent(), 'fails');
    // The filter is in the URL: a reload (or the link) keeps it, and Back leaves it.
    t.match(page.url(), /\/jobs\?state=FAILED$/);
    await page.reload();
    await rows.first().waitFor();
    t.equal(await page.getByLabel('State').inputValue(), 'FAILED', 'kept by a reload');
    t.equal(await rows.locator('.badge.st-FAILED').count(), await rows.count());
    await page.getByLabel('Name contains').fill('no-such-job');
    await page.getByText('No jobs match these filters.').waitFor();
    t.match(page.url(), /state=FAILED&name=no-such-job$/);
    await page.getByLabel('Name contains').fill('');
    await page.goBack();
    await waitFor('the unfiltered list', async () => (await page.getByLabel('State').inputValue()) === '', {
      timeoutMs: 10_000,
    });
    t.match(page.url(), /\/jobs$/, 'Back: the unfiltered list');
    await page.getByLabel('State').selectOption({ label: 'Any state' });
    // sleeper is on the second page by now: a name search is not limited to the page shown.
    await page.getByLabel('Name contains').fill('sleep');
    await waitFor('one row', async () => (await rows.count()) === 1, { timeoutMs: 10_000 });
    t.match(await rows.textContent(), 'sleeper');
    await page.getByLabel('Name contains').fill('');
  });

  t.test('every page passes axe-core (no serious or critical violation)', async (t) => {
    for (const { path, ready, name } of pages(failed.id)) {
      await visit(page, path);
      await page.locator(ready).first().waitFor();
      t.same(await seriousAxeViolations(page), [], path);
      await screenshot(page, `page-${name}`);
    }
  });

  t.test('in Chinese, every page shows no untranslated string', async (t) => {
    await visit(page, '/jobs');
    await page.locator('tbody tr').first().waitFor();
    t.ok((await untranslated(page)).length > 10, 'the check finds the English page English');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
    await page.locator('html[lang="zh-CN"]').waitFor({ state: 'attached' });
    for (const { path, ready, name } of pages(failed.id)) {
      await visit(page, path);
      await page.locator(ready).first().waitFor();
      if (name === 'builder-page') {
        // A task on the canvas and its panel open: the builder's fullest state.
        await page.getByRole('button', { name: '新建作业' }).click();
        await page.getByRole('button', { name: '将 batch-hello 添加到作业' }).click();
        await page.locator('.react-flow__node').dblclick();
        await page.locator('.field-command').waitFor();
      }
      t.same(await untranslated(page), [], path);
      t.same(await seriousAxeViolations(page), [], `${path} (zh)`);
      await screenshot(page, `zh-${name}`);
    }
    // An API error's headline is in the reader's language; the server's own words follow it.
    await visit(page, '/jobs/j-nosuchjob');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    t.match(
      await alert.textContent(),
      /^未找到（控制器返回 404：job "j-nosuchjob" not found）$/,
      'an API error in Chinese',
    );
    await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  });

  t.test('a token the controller stops accepting returns to sign-in with the reason', async (t) => {
    const created = await client.createToken({ name: 'short-lived' });
    const own = await openConsole(browser, controller.url);
    await signIn(own.page, created.token);
    await client.revokeToken(created.id);
    // The jobs list polls every 2 s: its next request is refused.
    await own.page.getByText('Your session has ended').waitFor({ timeout: 15_000 });
    t.equal(await own.page.evaluate(() => sessionStorage.getItem('batch.token')), null, 'the token is forgotten');
    await screenshot(own.page, 'session-ended');
    t.same(own.problems, []);
  });

  t.test('signed in on a later page, Back shows the earlier page signed in', async (t) => {
    const own = await openConsole(browser, controller.url);
    await own.page.goto(`/jobs/${failed.id}/tasks/a`);
    await own.page.getByLabel('API token').waitFor();
    await own.page.goto(`/jobs/${failed.id}`);
    await own.page.getByLabel('API token').fill(controller.token);
    await own.page.getByRole('button', { name: 'Sign in' }).click();
    await own.page.locator('.page-title .badge.st-FAILED').waitFor();
    await own.page.goBack();
    await own.page.locator('.instance-grid .cell').first().waitFor();
    t.equal(await own.page.getByLabel('API token').count(), 0, 'no sign-in form');
    t.match(own.page.url(), /\/tasks\/a$/);
    // Playwright's Chromium keeps no back-forward cache, which restores a page as it was left (a
    // sign-in form): here the tab signs out, and a restore of this page is played by hand.
    await own.page.evaluate(() => {
      sessionStorage.removeItem('batch.token');
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    });
    await own.page.getByLabel('API token').waitFor();
    await own.page.evaluate((token) => {
      sessionStorage.setItem('batch.token', token);
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    }, controller.token);
    await own.page.locator('.instance-grid .cell').first().waitFor();
    t.pass("a page restored from the cache takes the tab's current session");
    t.same(own.problems, []);
    await own.page.context().close();
  });

  t.test('a failed job restarts from its page', async (t) => {
    const once = await client.submitJob({ name: 'fails-once', tasks: [{ name: 'a', command: 'exit 1' }] });
    await waitFinished(client, once.id);
    await visit(page, `/jobs/${once.id}`);
    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, restart' }).click();
    await waitFor('a second attempt', async () => (await client.getInstance(once.id, 'a', 0)).attempts.length === 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    t.pass('the instance ran again');
  });

  t.test('templates: edit one, delete another', async (t) => {
    await client.createTemplate({ name: 'scratch', command: 'true' });
    await visit(page, '/templates/batch-hello');
    const command = page.getByLabel('Command');
    // The form appears once the template is loaded, filled with it.
    await command.waitFor();
    t.equal(await command.inputValue(), 'echo hello');
    await command.fill('echo hello again');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Task templates' }).waitFor();
    t.equal((await client.getTemplate('batch-hello')).spec.command, 'echo hello again', 'saved with a PUT');
    await page
      .getByRole('row', { name: /scratch/ })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('row', { name: /scratch/ }).waitFor({ state: 'detached' });
    t.same(
      (await client.listTemplates()).items.map((tpl) => tpl.name),
      ['batch-hello'],
    );
  });

  t.test('environments: create, scale, delete', async (t) => {
    await visit(page, '/environments');
    await page.getByLabel('Environment', { exact: true }).fill('pool-a');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row', { name: /pool-a/ });
    await row.waitFor();
    t.equal(await page.getByLabel('Environment', { exact: true }).inputValue(), '', 'the form is cleared');
    await row.getByLabel('Desired nodes of pool-a').fill('2');
    await row.getByRole('button', { name: 'Scale' }).click();
    await waitFor('the scale', async () => (await client.getEnvironment('pool-a')).desiredNodes === 2, {
      timeoutMs: 10_000,
    });
    await row.getByRole('button', { name: 'Show nodes' }).click();
    const panel = page.getByRole('heading', { name: 'Nodes of pool-a' });
    await panel.waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete' }).click();
    await panel.waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });
    t.notOk(
      (await client.listEnvironments()).items.some((e) => e.name === 'pool-a'),
      'deleted',
    );
  });

  t.test('admin: a new user, whose token is shown once', async (t) => {
    await visit(page, '/admin');
    await page.getByLabel('New user').fill('alice');
    await page.getByRole('button', { name: 'Create' }).first().click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    const token = (await secret.textContent()) ?? '';
    t.match(token, /^bat_/);
    t.equal((await client.listUsers()).items.find((u) => u.name === 'alice')?.admin, false);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await secret.waitFor({ state: 'detached' });
    t.equal(await page.getByText(token).count(), 0, 'gone once dismissed');
  });

  t.test('nodes: drain, then undrain', async (t) => {
    await visit(page, '/nodes');
    const row = page.getByRole('row', { name: /local-0/ });
    await row.getByRole('button', { name: 'Drain' }).click();
    await row.locator('.badge.st-DRAINING').waitFor();
    await row.getByRole('button', { name: 'Undrain' }).click();
    await row.locator('.badge.st-READY').waitFor();
    t.equal((await client.listNodes()).items[0]?.state, 'READY');
  });

  t.test('sign out forgets the token', async (t) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    t.equal(await page.evaluate(() => sessionStorage.getItem('batch.token')), null);
    t.equal(await page.locator('.hint code').first().textContent(), 'make run', 'commands as code');
    t.notMatch(await page.locator('.hint').first().textContent(), '`', 'no literal backticks');
    t.same(await seriousAxeViolations(page), [], 'the sign-in page passes axe-core');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
    await page.getByRole('heading', { name: '登录 Batch' }).waitFor();
    t.same(await untranslated(page), [], 'the sign-in page in Chinese');
    await screenshot(page, 'zh-sign-in');
  });

  t.test('no uncaught error and no CSP violation on any page', async (t) => {
    t.same(problems, []);
  });
});
