/** `submit -f FILE [--wait] [--follow]`. */
import type { Command } from 'commander';
import type { JobSpecInput } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { awaitOutcome } from '../job-outcome.js';
import { printLine } from '../output.js';
import { readSpecFile } from '../spec-file.js';

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
    .option('--wait', 'show live progress until the job ends; exit 5 if it FAILED, 6 if it was STOPPED')
    .option('--follow', "like --wait, and stream each instance's stdout as it is written, prefixed [task/index]")
    .addHelpText(
      'after',
      `
With -q, only the new job's id is printed on stdout: JOB=$(batchctl submit -f job.yaml -q).
With -o json|yaml, only the job is printed on stdout: the created job, or with --wait/--follow
the job as it ended. Progress and --follow output then go to stderr.
`,
    )
    .action(async (options: SubmitOptions, command: Command) => {
      const ctx = contextOf(command);
      // The controller validates the spec and names the field of any problem.
      const spec = (await readSpecFile(options.file)) as unknown as JobSpecInput;
      const job = await ctx.api.submitJob(spec);
      const waiting = options.wait === true || options.follow === true;
      if (ctx.quiet) printLine(job.id);
      else if (!ctx.structured)
        printLine(
          job.created
            ? `submitted job ${job.id} (${job.name})`
            : `already submitted with this clientToken: job ${job.id} (${job.name}, ${job.state})`,
        );
      else if (!waiting) await ctx.show(job, String, () => []);
      if (waiting) await awaitOutcome(ctx, job, { follow: options.follow === true });
    });
}
