/** `jobs`, `status JOB`, `stop JOB`, `restart JOB`, `delete JOB`. */
import type { Command } from 'commander';
import { JOB_STATES, type JobState } from '../../protocol/states.js';
import { collectAll, type BatchClient, type Job } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { printJson, printLine } from '../output.js';
import { parsePositive } from '../arguments.js';
import { UsageError } from '../errors.js';
import { jobStatusView, type PendingReasons } from '../views/job-status.js';
import { jobsTable } from '../views/jobs.js';

export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list jobs, newest first (all pages unless --limit)')
    .option('--limit <N>', 'show at most one page of N jobs', parsePositive)
    .option('--state <STATE>', `only jobs in this state (${JOB_STATES.join(', ')})`)
    .option('-A, --all', "every user's jobs, with their owner (admins only)")
    .action(async (options: { limit?: number; state?: string; all?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const query = { state: parseJobState(options.state), ...(options.all ? { owner: 'all' as const } : {}) };
      const page =
        options.limit !== undefined
          ? await ctx.api.listJobs({ ...query, limit: options.limit })
          : await collectAll((cursor) => ctx.api.listJobs({ ...query, cursor }));
      if (ctx.json) printJson(page);
      else printLine(jobsTable(page.items, Date.now(), { owners: options.all === true }));
    });

  program
    .command('status')
    .description('show a job: its state, and per task the instances in each state and why any are pending')
    .argument('<JOB>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const job = await ctx.api.getJob(jobId);
      if (ctx.json) {
        printJson(job);
        return;
      }
      printLine(jobStatusView(job, await pendingReasons(ctx.api, job)));
    });

  registerJobChange(
    program,
    'stop',
    'stop a job: pending instances become STOPPED, running ones are killed',
    (api, id) => api.stopJob(id),
    // a job that ended before the stop is left as it was, and that is no error
    (job) =>
      job.state === 'SUCCEEDED' || job.state === 'FAILED'
        ? `job ${job.id} had already finished: ${job.state}`
        : undefined,
  );
  registerJobChange(
    program,
    'restart',
    'run again the instances of a FAILED or STOPPED job that did not succeed',
    (api, id) => api.restartJob(id),
  );

  program
    .command('delete')
    .description('delete a finished job and its logs')
    .argument('<JOB>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.deleteJob(jobId);
      // The API answers 204 with no body, so --json prints nothing.
      if (!ctx.json) printLine(`deleted job ${jobId}`);
    });
}

/** A verb that changes a job and prints it as the API returned it. */
function registerJobChange(
  program: Command,
  verb: string,
  description: string,
  change: (api: BatchClient, id: string) => Promise<Job>,
  explain: (job: Job) => string | undefined = () => undefined,
): void {
  program
    .command(verb)
    .description(description)
    .argument('<JOB>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const job = await change(ctx.api, jobId);
      if (ctx.json) printJson(job);
      else printLine(explain(job) ?? `job ${job.id} ${job.state}`);
    });
}

function parseJobState(value: string | undefined): JobState | undefined {
  if (value === undefined) return undefined;
  const state = value.toUpperCase();
  if (!(JOB_STATES as readonly string[]).includes(state)) {
    throw new UsageError(`--state must be one of ${JOB_STATES.join(', ')}`);
  }
  return state as JobState;
}

/** Pending reasons live on instances, so list the instances of tasks that have pending ones. */
async function pendingReasons(api: BatchClient, job: Job): Promise<PendingReasons> {
  const reasons = new Map<string, Record<string, number>>();
  for (const task of job.tasks) {
    if ((task.counts.PENDING ?? 0) === 0) continue;
    const counted: Record<string, number> = {};
    for await (const instance of api.listAllInstances(job.id, task.name)) {
      if (instance.state === 'PENDING' && instance.pendingReason) {
        counted[instance.pendingReason] = (counted[instance.pendingReason] ?? 0) + 1;
      }
    }
    reasons.set(task.name, counted);
  }
  return reasons;
}
