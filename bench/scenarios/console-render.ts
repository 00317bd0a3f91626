/**
 * Scenario — console-render. The web console with a job of 10 tasks × 100 instances (PENDING:
 * no node can take them, so nothing else loads the machine): how long after the API's answer
 * arrives the job page shows its DAG and a task page its grid of 100 instances, timed in
 * Debian's chromium with the browser's Performance API (test/console/render-timing.ts, the same
 * measurement the browser test asserts on). One browser, one page; each figure is one load.
 */
import { browserTestsUnavailable, launchBrowser, openConsole, signIn } from '../../test/console/browser.js';
import {
  BIG_JOB_INSTANCES,
  BIG_JOB_TASKS,
  submitBigJob,
  timeJobPage,
  timeTaskPage,
} from '../../test/console/render-timing.js';
import { ADMIN_TOKEN, startController } from '../controller.js';
import { figure, type Figure } from '../figures.js';
import type { RunContext, Scenario } from '../scenario.js';

/** The budget: "render in under 1 s after the data arrives". */
const BUDGET_MS = 1000;

export const consoleRender: Scenario = {
  id: 'console-render',
  title: 'Console render of a 10 × 100 job (chromium)',
  // The pages render what the API answered; which store answered does not change that.
  stores: [],
  byDefault: true,
  timeoutS: () => 120,
  unavailable: browserTestsUnavailable,
  async run(ctx: RunContext): Promise<Figure[]> {
    const controller = await startController(ctx.cleanup, ctx.deadline, { store: 'pglite', keep: ctx.options.keep });
    const job = await submitBigJob(controller.client);
    const browser = await launchBrowser({
      teardown: (close) => {
        ctx.cleanup.add('close chromium', async () => {
          await Promise.resolve(close());
        });
      },
    });
    const { page, problems } = await openConsole(browser, controller.url);
    await ctx.deadline.race(signIn(page, ADMIN_TOKEN), () => 'signing in to the console');
    ctx.log(`job ${job.id}: ${BIG_JOB_TASKS} tasks × ${BIG_JOB_INSTANCES} instances`);
    const jobPage = await ctx.deadline.race(timeJobPage(page, job.id), () => 'waiting for the job page');
    const taskPage = await ctx.deadline.race(
      timeTaskPage(page, job.id, job.firstTask),
      () => 'waiting for the task page',
    );
    if (problems.length > 0) throw new Error(`the console failed in the browser: ${problems.join('; ')}`);
    const conditions = { tasks: BIG_JOB_TASKS, instancesPerTask: BIG_JOB_INSTANCES, browser: 'chromium' };
    const target = { op: '<=' as const, value: BUDGET_MS };
    return [
      figure('console-render.job_page', jobPage.ms, 'ms (data → DAG shown)', conditions, { target }),
      figure('console-render.task_page', taskPage.ms, 'ms (data → 100-cell grid shown)', conditions, { target }),
    ];
  },
};
