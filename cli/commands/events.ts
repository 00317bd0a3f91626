/** `events [-f] [--job ID] [--kind K] [--state S] [--since ID]`: state changes, as they happen. */
import type { Command } from 'commander';
import type { BatchEvent, EventKind } from '../../protocol/api.js';
import { FINISHED_JOB_STATES } from '../../protocol/states.js';
import { parseCount } from '../arguments.js';
import { contextOf, type CliContext } from '../context.js';
import { formatDocument, printLine } from '../output.js';
import { eventLine } from '../views/events.js';

interface EventsOptions {
  follow?: boolean;
  job?: string;
  kind?: string;
  state?: string;
  since?: number;
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description(
      'print state changes of jobs, tasks, instances, nodes and environments: what is retained, or with -f, as they happen',
    )
    .option('-f, --follow', 'keep following new events (resumes by itself after a dropped connection)')
    .option('--job <ID>', "only this job's events")
    .option('--kind <K>', 'only these kinds, comma-separated: job, task, instance, node, environment, schedule')
    .option('--state <S>', 'only changes to these states, comma-separated (e.g. FAILED,SUCCEEDED)')
    .option(
      '--since <ID>',
      "start after this event id (default: everything retained; with -f, from now, or with --job from the job's start)",
      parseCount,
    )
    .action(async (options: EventsOptions, command: Command) => {
      const ctx = contextOf(command);
      const follow = options.follow === true;
      // Ctrl-C is how following ends: the reader's choice, not a failure (as with --watch).
      if (follow) process.once('SIGINT', () => process.exit(0));
      // one job's events: its whole story, and the end of it ends the command
      const since = options.since ?? (follow && !options.job ? undefined : 0);
      const events = ctx.api.events({
        follow,
        ...(since !== undefined ? { since } : {}),
        ...(options.job ? { job: options.job } : {}),
        ...(options.kind ? { kind: options.kind.split(',') as EventKind[] } : {}),
        ...(options.state ? { state: options.state.split(',') } : {}),
      });
      for await (const event of events) {
        printLine(await eventText(ctx, event));
        if (follow && options.job && event.kind === 'job' && isFinished(event.state)) return;
      }
    });
}

function isFinished(state: string): boolean {
  return (FINISHED_JOB_STATES as readonly string[]).includes(state);
}

/**
 * -o json: one event per line (JSON Lines), each exactly the API's `data:` object; -o yaml: one
 * YAML document per event; -q: event ids.
 */
async function eventText(ctx: CliContext, event: BatchEvent): Promise<string> {
  if (ctx.output === 'json') return JSON.stringify(event);
  if (ctx.output === 'yaml') return `---\n${(await formatDocument('yaml', event)).trimEnd()}`;
  return ctx.quiet ? String(event.id) : eventLine(event);
}
