/** `instances JOB TASK` and `logs JOB TASK [INDEX]`. */
import type { Command } from 'commander';
import { collectAll } from '../../sdk/index.js';
import { parseCount, parsePositive } from '../arguments.js';
import { contextOf } from '../context.js';
import { writeChunk } from '../output.js';
import { attemptsTable, instancesTable } from '../views/instances.js';
import { watchList } from '../watch.js';

interface InstancesOptions {
  limit?: number;
  attempts?: boolean;
  watch?: boolean;
}

interface LogsOptions {
  stderr?: boolean;
  follow?: boolean;
  attempt?: number;
}

export function registerInstances(program: Command): void {
  program
    .command('instances')
    .description("list a task's instances: state, pending reason, and what the last attempt did (or every attempt)")
    .argument('<JOB>', 'job id')
    .argument('<TASK>', 'task name')
    .option('--limit <N>', 'show at most one page of N instances', parsePositive)
    .option('--attempts', 'one row per attempt: node, state, exit code, failure reason, start, end, duration')
    .option('-w, --watch', 'keep the list on screen and redraw it when an instance changes (Ctrl-C ends)')
    .action(async (jobId: string, task: string, options: InstancesOptions, command: Command) => {
      const ctx = contextOf(command);
      const render = async () => {
        const page =
          options.limit !== undefined
            ? await ctx.api.listInstances(jobId, task, { limit: options.limit })
            : await collectAll((cursor) => ctx.api.listInstances(jobId, task, { cursor }));
        return await ctx.render(
          page,
          (wide) =>
            options.attempts
              ? attemptsTable(page.items, Date.now(), { wide })
              : instancesTable(page.items, Date.now(), { wide }),
          (p) => p.items.map((i) => String(i.index)),
        );
      };
      if (options.watch) await watchList(ctx, { events: { job: jobId, kind: 'instance' } }, render);
      else process.stdout.write(await render());
    });

  program
    .command('logs')
    .description("print an instance's output (raw bytes, as the command wrote them)")
    .argument('<JOB>', 'job id')
    .argument('<TASK>', 'task name')
    .argument('[INDEX]', 'instance index', parseCount, 0)
    .option('--stderr', 'print stderr instead of stdout')
    .option('-f, --follow', 'keep streaming new output until the attempt ends')
    .option('--attempt <N>', 'which attempt (1-based); default: the latest', parsePositive)
    .action(async (jobId: string, task: string, index: number, options: LogsOptions, command: Command) => {
      // Logs are bytes, not a resource: --json has nothing to change here.
      const ctx = contextOf(command);
      const chunks = await ctx.api.logs(jobId, task, index, {
        stream: options.stderr ? 'stderr' : 'stdout',
        follow: options.follow === true,
        attempt: options.attempt,
      });
      for await (const chunk of chunks) await writeChunk(process.stdout, chunk);
    });
}
