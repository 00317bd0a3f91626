/**
 * The README's quick start, done in the console by a browser against a real controller with two
 * local nodes: sign in, create the batch-hello template in the form, build helloworld on the
 * canvas from two copies of it joined by an edge, override one task's command, check the JSON
 * preview, submit, watch the job succeed, and read an instance's stdout.
 */
import t from 'tap';
import { browserTestsUnavailable, launchBrowser, openConsole, screenshot, signIn } from './browser.js';
import { startConsoleCluster } from './console-cluster.js';

const unavailable = browserTestsUnavailable();
// Generous: `make test` runs this beside the end-to-end tests on a 2-core machine.
t.setTimeout(300_000);
t.test('the quick start, end to end in the console', { skip: unavailable ?? false }, async (t) => {
  const { controller } = await startConsoleCluster(t, 2);
  const browser = await launchBrowser(t);
  const { page, problems } = await openConsole(browser, controller.url);

  await screenshot(page, 'sign-in');
  await signIn(page, controller.token);
  t.equal(await page.evaluate(() => sessionStorage.getItem('batch.token')), controller.token, 'kept in sessionStorage');
  t.equal(await page.evaluate(() => JSON.stringify(localStorage).includes('bat_')), false, 'never in localStorage');

  // The template, in the form.
  await page.getByRole('link', { name: 'Templates', exact: true }).click();
  await page.getByRole('link', { name: 'New template' }).click();
  await page.getByLabel('Template name').fill('batch-hello');
  await page.getByLabel('Description').fill('Prints a greeting from each instance.');
  await page
    .getByLabel('Command')
    .fill('echo "$GREETING from instance $BATCH_INSTANCE_INDEX of $BATCH_INSTANCE_COUNT on $BATCH_NODE_ID"');
  await page.getByLabel('Timeout (seconds)').fill('60');
  await page.getByLabel('Retries', { exact: true }).fill('1');
  await page.getByLabel('Environment variables').fill('GREETING=hello');
  await screenshot(page, 'template-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('link', { name: 'batch-hello' }).waitFor();
  await screenshot(page, 'templates');

  // The job, on the canvas: two copies of the template, then an edge between them.
  await page.getByRole('link', { name: 'Job builder' }).click();
  await page.getByLabel('Job name').fill('helloworld');
  const add = page.getByRole('button', { name: 'Add batch-hello to the job' });
  await add.click();
  await add.click();
  const boxes = page.locator('.react-flow__node');
  await t.resolves(boxes.nth(1).waitFor(), 'two boxes on the canvas');

  await page.getByRole('button', { name: 'Edit task batch-hello', exact: true }).click();
  await page.getByLabel('Task name').fill('hello');
  await page.getByLabel('Instances', { exact: true }).fill('2');
  // The second box is opened the way a mouse user does: a double-click on the canvas.
  await boxes.filter({ hasText: 'batch-hello-2' }).dblclick();
  await page.getByLabel('Task name').fill('goodbye');
  await page.getByLabel('Command').fill('echo "goodbye from $BATCH_TASK_NAME of job $BATCH_JOB_ID"');
  await page.getByRole('button', { name: 'Close' }).click();

  await page.getByLabel('First', { exact: true }).selectOption({ label: 'hello' });
  await page.getByLabel('Then', { exact: true }).selectOption({ label: 'goodbye' });
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('.react-flow__edge').first().waitFor();
  t.match(await page.locator('.react-flow__edge-text').first().textContent(), 'on success · whole task');

  const preview = JSON.parse((await page.getByTestId('spec-preview').textContent()) ?? '') as unknown;
  t.same(
    preview,
    {
      name: 'helloworld',
      tasks: [
        { name: 'hello', template: 'batch-hello', instances: 2 },
        {
          name: 'goodbye',
          template: 'batch-hello',
          command: 'echo "goodbye from $BATCH_TASK_NAME of job $BATCH_JOB_ID"',
          dependsOn: ['hello'],
        },
      ],
    },
    'the preview is the spec to be posted',
  );
  await screenshot(page, 'builder');

  await page.getByRole('button', { name: 'Submit the job' }).click();
  await page.waitForURL(/\/jobs\/j-[a-z0-9]+$/);
  const jobId = /\/jobs\/(j-[a-z0-9]+)$/.exec(page.url())![1]!;
  await page.locator('.page-title .badge.st-SUCCEEDED').waitFor({ timeout: 120_000 });
  await page.locator('.react-flow__node.st-SUCCEEDED').nth(1).waitFor();
  t.equal(await page.locator('.react-flow__node.st-SUCCEEDED').count(), 2, 'both tasks are green in the DAG');
  t.match(await page.locator('.react-flow__node', { hasText: 'hello' }).first().textContent(), '2/2 done');
  await screenshot(page, 'job-succeeded');
  t.same(
    JSON.parse((await page.getByTestId('job-spec').textContent()) ?? ''),
    { ...(preview as object), priority: 0 },
    'the job page shows the spec the builder posted (and the default priority)',
  );

  // The DAG is reachable by keyboard: Tab reaches a task's name, Enter opens that task.
  let tabs = 0;
  while (!(await page.evaluate(() => document.activeElement?.classList.contains('dag-task-link') ?? false))) {
    if (++tabs > 60) throw new Error('Tab never reached a task in the DAG');
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/jobs/${jobId}/tasks/[^/]+$`));
  await page.goBack();
  await page.locator('.react-flow__node.st-SUCCEEDED').nth(1).waitFor();

  // An instance's attempts, then its stdout.
  await page.getByRole('row', { name: /hello/ }).getByRole('link', { name: 'hello' }).click();
  await page.getByRole('heading', { name: 'Task hello' }).waitFor();
  await page.locator('.instance-grid .cell[data-index="1"]').waitFor();
  t.equal(await page.locator('.instance-grid .cell').count(), 2, 'one cell per instance');
  await page.locator('.instance-grid .cell[data-index="0"]').click();
  await page.getByRole('heading', { name: /Instance 0/ }).waitFor();
  await screenshot(page, 'task');
  await page.getByRole('link', { name: 'Standard output' }).first().click();
  const log = page.getByTestId('log-output');
  await page.getByText(/^hello from instance 0 of 2 on n-/).waitFor();
  t.match(await log.textContent(), /^hello from instance 0 of 2 on n-\S+\n$/, "the instance's stdout");
  t.match(page.url(), `/jobs/${jobId}/tasks/hello/instances/0/logs`);
  t.notMatch(page.url(), controller.token, 'the token is never in a URL');
  await screenshot(page, 'logs');

  // The back button goes back through the pages, and a reload of a deep link lands on it.
  await page.goBack();
  await page.getByRole('heading', { name: 'Task hello' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Task hello' }).waitFor();

  t.same(problems, [], 'no uncaught error and no CSP violation');
});
