/**
 * How long the console takes to show a big job once its data has arrived, measured in the
 * browser with its own Performance API: from the `responseEnd` of the API response a page renders
 * (Resource Timing) to the first animation frame in which the page shows all of it (the job's DAG
 * with every task box laid out and visible, or a task's full instance grid). Nothing is added to
 * the console for this. Shared by test/console/render-timing.test.ts and bench `console-render`.
 */
import type { Page } from 'playwright-core';
import type { BatchClient } from '../../sdk/client.js';
import { visit } from './browser.js';

export const BIG_JOB_TASKS = 10;
export const BIG_JOB_INSTANCES = 100;

/**
 * 10 tasks × 100 instances in a chain, so the DAG has edges to draw. Submitted where no node can
 * take them (an environment with no nodes), they stay PENDING: the pages render the same data at
 * every poll, and nothing else loads the machine while it is measured.
 */
export async function submitBigJob(client: BatchClient): Promise<{ id: string; firstTask: string }> {
  const tasks = Array.from({ length: BIG_JOB_TASKS }, (_, i) => ({
    name: `t${i}`,
    command: 'true',
    instances: BIG_JOB_INSTANCES,
    ...(i > 0 ? { dependsOn: [`t${i - 1}`] } : {}),
  }));
  const job = await client.submitJob({ name: 'big-render', tasks });
  return { id: job.id, firstTask: 't0' };
}

export interface RenderTiming {
  /** From the data's responseEnd to the frame that shows it, ms. */
  ms: number;
  /** The API path whose response was measured from. */
  apiPath: string;
}

/** What shows that a page has rendered its data, checked at each animation frame. */
interface Ready {
  selector: string;
  count: number;
}

/** Opens a console path (in the app, as a click would) and times its render of the data at `apiPath`. */
async function timeRender(page: Page, consolePath: string, apiPath: string, ready: Ready): Promise<RenderTiming> {
  // Only this navigation's requests: earlier pages' polls would otherwise match too.
  await page.evaluate(() => {
    performance.setResourceTimingBufferSize(10_000);
    performance.clearResourceTimings();
  });
  await visit(page, consolePath);
  const handle = await page.waitForFunction(
    ({ selector, count, apiPath, name }) => {
      const shown = [...document.querySelectorAll(selector)].filter((e) =>
        e.checkVisibility({ visibilityProperty: true }),
      );
      if (shown.length < count) return false;
      const renderedAt = performance.now();
      // The first answer for the data: a later poll's answer would make the figure look smaller.
      const response = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === apiPath) as
        PerformanceResourceTiming | undefined;
      if (!response) return false;
      // Kept in the page's timeline too, for anyone looking at it in DevTools.
      performance.measure(name, { start: response.responseEnd, end: renderedAt });
      return renderedAt - response.responseEnd;
    },
    { ...ready, apiPath, name: `batch:render ${consolePath}` },
    { polling: 'raf', timeout: 120_000 },
  );
  return { ms: Math.round((await handle.jsonValue()) as number), apiPath };
}

/** The job page: its DAG with one visible box per task. */
export function timeJobPage(page: Page, jobId: string): Promise<RenderTiming> {
  return timeRender(page, `/jobs/${jobId}`, `/v1/jobs/${jobId}`, {
    selector: '.react-flow__node',
    count: BIG_JOB_TASKS,
  });
}

/** A task page: its instance grid with one visible cell per instance. */
export function timeTaskPage(page: Page, jobId: string, task: string): Promise<RenderTiming> {
  return timeRender(page, `/jobs/${jobId}/tasks/${task}`, `/v1/jobs/${jobId}/tasks/${task}/instances`, {
    selector: '.instance-grid .cell',
    count: BIG_JOB_INSTANCES,
  });
}
