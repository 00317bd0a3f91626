/** `jobs`, `status JOB`, `stop JOB`, `restart JOB`, `delete JOB`. */
import type { Command } from 'commander';
import { isJobFinished, JOB_STATES, type JobState } from '../../protocol/states.js';
import { collectAll, type BatchClient, type Job, type JobQuery } from '../../sdk/index.js';
import { parsePositive, parseSince } from '../arguments.js';
import { contextOf, type CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { awaitOutcome } from '../job-outcome.js';
import { watchList } from '../watch.js';
import { jobStatusView, type PendingReasons } from '../views/job-status.js';
import { jobsTable } from '../views/jobs.js';

interface JobsOptions {
  limit?: number;
  state?: string[];
  name?: string;
  owner?: string;
  since?: string;
  all?: boolean;
  watch?: boolean;
}

export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list jobs, newest first (all pages unless --limit)')
    .option('--limit <N>', 'show at most one page of N jobs', parsePositive)
    .option(
      '--state <STATE>',
      `only jobs in these states: repeat it or separate with commas (${JOB_STATES.join(', ')})`,
      collectStates,
    )
    .option('--name <TEXT>', 'only jobs whose name contains TEXT (case-insensitive)')
    .option('--owner <USER>', "only this user's jobs (admins only, for another user)")
    .option('--since <WHEN>', 'only jobs created in the last DURATION (30m, 2h, 7d) or since an ISO time', (v) =>
      parseSince(v),
    )
    .option('-A, --all', "every user's jobs, with their owner (admins only)")
    .option('-w, --watch', 'keep the list on screen and redraw it when a job changes (Ctrl-C ends)')
    .action(async (options: JobsOptions, command: Command) => {
      const ctx = contextOf(command);
      const query = jobQuery(options);
      const owners = options.all === true || options.owner !== undefined;
      const render = async () => {
        const page =
          options.limit !== undefined
            ? await ctx.api.listJobs({ ...query, limit: options.limit })
            : await collectAll((cursor) => ctx.api.listJobs({ ...query, cursor }));
        return await ctx.render(
          page,
          (wide) => jobsTable(page.items, Date.now(), { owners, wide }),
          (p) => p.items.map((j) => j.id),
        );
      };
      if (options.watch) await watchList(ctx, { events: { kind: ['job', 'task'] } }, render);
      else process.stdout.write(await render());
    });

  program
    .command('status')
    .description('show a job: its state, and per task the instances in each state and why any are pending')
    .argument('<JOB>', 'job id')
    .option('--wait', 'show live progress until the job ends; exit 5 if it FAILED, 6 if it was STOPPED')
    .option('--follow', "like --wait, and stream each instance's stdout as it is written")
    .action(async (jobId: string, options: { wait?: boolean; follow?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const job = await ctx.api.getJob(jobId);
      if (options.wait || options.follow) {
        await awaitOutcome(ctx, job, { follow: options.follow === true });
        return;
      }
      const reasons = ctx.structured || ctx.quiet ? new Map() : await pendingReasons(ctx.api, job);
      await ctx.show(
        job,
        () => jobStatusView(job, reasons),
        (j) => [j.id],
      );
    });

  registerJobChange(
    program,
    'stop',
    'stop a job: pending instances become STOPPED, running ones are killed (a finished job is left as it is)',
    async (api, id) => {
      // A finished job is left as it is (the API answers it unchanged): say so, whatever it ended as.
      const before = await api.getJob(id);
      return isJobFinished(before.state) ? { job: before, already: true } : { job: await api.stopJob(id) };
    },
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
      // The API answers 204 with no body, so -o json prints nothing.
      ctx.done(`deleted job ${jobId}`, jobId);
    });
}

/**
 * What `stop` says. The controller answers with the job as its scheduler left it after deriving
 * the stop (STOPPING while attempts are being killed, STOPPED when nothing was running); a job
 * that had ended before is returned unchanged, which is no error (as AWS Batch's TerminateJob).
 */

/** A verb that changes a job and prints it as the API returned it. */
function registerJobChange(
  program: Command,
  verb: string,
  description: string,
  change: (api: BatchClient, id: string) => Promise<Job | { job: Job; already?: boolean }>,
): void {
  program
    .command(verb)
    .description(description)
    .argument('<JOB>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const ctx: CliContext = contextOf(command);
      const changed = await change(ctx.api, jobId);
      const { job, already } = 'job' in changed ? changed : { job: changed, already: false };
      await ctx.show(
        job,
        () => (already ? `job ${job.id} already ${job.state}; nothing to ${verb}` : `job ${job.id} ${job.state}`),
        (j) => [j.id],
      );
    });
}

/** `--state RUNNING --state pending,failed`: each value checked, case-insensitive. */
function collectStates(value: string, previous: string[] = []): string[] {
  const states = value.split(',').map((s) => s.trim().toUpperCase());
  const unknown = states.find((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown !== undefined) throw new UsageError(`--state: "${unknown}" is not one of ${JOB_STATES.join(', ')}`);
  return [...previous, ...states];
}

function jobQuery(options: JobsOptions): JobQuery {
  if (options.all && options.owner !== undefined)
    throw new UsageError('give --owner USER or -A (every user), not both');
  const query: JobQuery = {};
  if (options.state) query.state = options.state as JobState[];
  if (options.name !== undefined) query.name = options.name;
  if (options.since !== undefined) query.since = options.since;
  if (options.all) query.owner = 'all';
  else if (options.owner !== undefined) query.owner = options.owner;
  return query;
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
