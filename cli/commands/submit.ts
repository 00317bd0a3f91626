/** `submit -f FILE [--wait] [--follow]`. */
import type { Command } from 'commander';
import type { Job, JobSpecInput } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { JobNotSucceededError } from '../errors.js';
import { FinishedInstanceLogs } from '../finished-logs.js';
import { ProgressPrinter } from '../job-progress.js';
import { printJson, printLine } from '../output.js';
import { readSpecFile } from '../spec-file.js';
import { waitForJob } from '../wait-for-job.js';

interface SubmitOptions {
  file: string;
  wait?: boolean;
  follow?: boolean;
}

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('submit a job from a YAML or JSON spec')
    .requiredOption('-f, --file <FILE>', 'the job spec, YAML or JSON; "-" reads stdin')
    .option('--wait', 'show live progress until the job ends; exit 1 unless it SUCCEEDED')
    .option(
      '--follow',
      "like --wait, and print each instance's stdout, prefixed [task/index], once the instance has finished",
    )
    .addHelpText(
      'after',
      `
With --json, only the job is printed on stdout: the created job, or with --wait/--follow the job
as it ended; progress and --follow output then go to stderr.
`,
    )
    .action(async (options: SubmitOptions, command: Command) => {
      const ctx = contextOf(command);
      // The controller validates the spec and names the field of any problem.
      const spec = (await readSpecFile(options.file)) as unknown as JobSpecInput;
      const job = await ctx.api.submitJob(spec);
      if (!options.wait && !options.follow) {
        if (ctx.json) printJson(job);
        else printLine(`submitted job ${job.id} (${job.name})`);
        return;
      }
      const human = ctx.json ? process.stderr : process.stdout;
      if (!ctx.json) printLine(`submitted job ${job.id} (${job.name})`);
      const progress = new ProgressPrinter(human);
      const logs = options.follow ? new FinishedInstanceLogs(ctx.api, (text) => progress.printAbove(text)) : undefined;
      const final = await waitForJob(ctx.api, job, async (latest) => {
        await progress.update(latest);
        await logs?.update(latest);
      });
      await progress.finish();
      if (ctx.json) printJson(final);
      if (final.state !== 'SUCCEEDED') {
        human.write(failureHints(final));
        throw new JobNotSucceededError(final.id, final.state);
      }
    });
}

function failureHints(job: Job): string {
  return job.tasks
    .filter((task) => (task.counts.FAILED ?? 0) > 0)
    .map((task) => `task ${task.name}: ${task.counts.FAILED} FAILED; see: batchctl instances ${job.id} ${task.name}\n`)
    .join('');
}
