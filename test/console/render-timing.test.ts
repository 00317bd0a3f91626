/**
 * A job of 10 tasks × 100 instances: its job page draws the DAG, and a task page its grid of 100
 * instances, within RENDER_BUDGET_MS of the data's arrival (render-timing.ts says how that is
 * measured). The figures are printed either way; `make bench` reports them too (console-render).
 */
import t from 'tap';
import { browserTestsUnavailable, launchBrowser, openConsole, screenshot, signIn } from './browser.js';
import { startConsoleCluster } from './console-cluster.js';
import { submitBigJob, timeJobPage, timeTaskPage } from './render-timing.js';

/** The budget. */
const RENDER_BUDGET_MS = 1000;
/**
 * `make test` runs this beside the end-to-end tests on 2 cores, where a frame can wait for the
 * CPU: BATCH_RENDER_MARGIN (a factor, default 1) widens the budget there; the figure is still
 * printed as measured.
 */
const MARGIN = Number(process.env.BATCH_RENDER_MARGIN ?? '1');

const unavailable = browserTestsUnavailable();
t.setTimeout(300_000);

t.test('a 10 × 100 job renders within 1 s of its data', { skip: unavailable ?? false }, async (t) => {
  // No local node: the instances stay PENDING, and nothing runs beside the browser.
  const { controller, client } = await startConsoleCluster(t, 0);
  const job = await submitBigJob(client);
  const browser = await launchBrowser(t);
  const { page, problems } = await openConsole(browser, controller.url);
  await signIn(page, controller.token);
  const budget = RENDER_BUDGET_MS * MARGIN;

  const jobPage = await timeJobPage(page, job.id);
  t.comment(`job page: the DAG of 10 tasks ${jobPage.ms} ms after ${jobPage.apiPath} arrived`);
  t.ok(jobPage.ms < budget, `the job page rendered in ${jobPage.ms} ms (budget ${budget} ms)`);
  await screenshot(page, 'big-job');

  const taskPage = await timeTaskPage(page, job.id, job.firstTask);
  t.comment(`task page: 100 instance cells ${taskPage.ms} ms after ${taskPage.apiPath} arrived`);
  t.ok(taskPage.ms < budget, `the task page rendered in ${taskPage.ms} ms (budget ${budget} ms)`);
  await screenshot(page, 'big-task');
  t.same(problems, [], 'no uncaught error, no CSP violation');
});
