/**
 * `submit --wait|--follow` and `status --wait`: live progress until the job ends, then what
 * became of it. A job that did not succeed names its failed tasks with their failure reasons and
 * counts, and ends the command with the exit code of its state (errors.ts).
 */
import type { Job } from '../sdk/index.js';
import type { CliContext } from './context.js';
import { JobNotSucceededError } from './errors.js';
import { ProgressPrinter } from './job-progress.js';
import { LiveInstanceLogs } from './live-logs.js';
import { formatDocument } from './output.js';
import { failureSummary } from './views/failures.js';
import { waitForJob } from './wait-for-job.js';

export async function awaitOutcome(ctx: CliContext, job: Job, options: { follow: boolean }): Promise<void> {
  // With -o json|yaml or -q, stdout is for the final job (its id); people read stderr.
  const human = ctx.structured || ctx.quiet ? process.stderr : process.stdout;
  const progress = new ProgressPrinter(human);
  const logs = options.follow ? new LiveInstanceLogs(ctx.api, (text) => progress.printAbove(text)) : undefined;
  const final = await waitForJob(ctx.api, job, async (latest) => {
    await progress.update(latest);
    await logs?.update(latest);
  });
  await logs?.finish();
  await progress.finish();
  if (ctx.structured) process.stdout.write(await formatDocument(ctx.output as 'json' | 'yaml', final));
  if (final.state === 'SUCCEEDED') return;
  human.write(await failureHints(ctx, final));
  throw new JobNotSucceededError(final.id, final.state);
}

async function failureHints(ctx: CliContext, job: Job): Promise<string> {
  let text = '';
  for (const task of job.tasks) {
    if ((task.counts.FAILED ?? 0) === 0) continue;
    const failed = [];
    for await (const instance of ctx.api.listAllInstances(job.id, task.name))
      if (instance.state === 'FAILED') failed.push(instance);
    text += `task ${task.name}: ${failureSummary(failed)}; see: batchctl instances ${job.id} ${task.name} --attempts\n`;
  }
  return text;
}
