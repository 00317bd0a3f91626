/** `schedules create|list|show|pause|resume|delete`. */
import type { Command } from 'commander';
import { collectAll, type ScheduleSpec } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { readSpecFile } from '../spec-file.js';
import { schedulesTable, scheduleView } from '../views/schedules.js';

export function registerSchedules(program: Command): void {
  const schedules = program.command('schedules').description('cron schedules that submit a job spec');

  schedules
    .command('create')
    .description('create a schedule from a YAML or JSON file ({ name, cron, timezone?, overlap?, catchUp?, job })')
    .requiredOption('-f, --file <FILE>', 'the schedule, YAML or JSON; "-" reads stdin')
    .action(async (options: { file: string }, command: Command) => {
      const ctx = contextOf(command);
      const spec = (await readSpecFile(options.file)) as unknown as ScheduleSpec;
      const schedule = await ctx.api.createSchedule(spec);
      await ctx.show(
        schedule,
        () => `created schedule ${schedule.name} (${schedule.cron}); next run ${schedule.nextRunAt ?? '-'}`,
        (s) => [s.name],
      );
    });

  schedules
    .command('list')
    .description('list schedules')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await collectAll((cursor) => ctx.api.listSchedules({ cursor }));
      await ctx.show(
        page,
        () => schedulesTable(page.items),
        (p) => p.items.map((s) => s.name),
      );
    });

  schedules
    .command('show')
    .description('a schedule, its next run times and its recent runs (tick → job, or why not)')
    .argument('<NAME>', 'schedule name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const schedule = await ctx.api.getSchedule(name);
      await ctx.show(
        schedule,
        () => scheduleView(schedule),
        (s) => [s.name],
      );
    });

  for (const [verb, description] of [
    ['pause', 'pause a schedule: no tick runs, and none is caught up on resume'],
    ['resume', 'resume a paused schedule from its next tick'],
  ] as const) {
    schedules
      .command(verb)
      .description(description)
      .argument('<NAME>', 'schedule name')
      .action(async (name: string, _options: unknown, command: Command) => {
        const ctx = contextOf(command);
        const schedule = verb === 'pause' ? await ctx.api.pauseSchedule(name) : await ctx.api.resumeSchedule(name);
        await ctx.show(
          schedule,
          () => `${verb === 'pause' ? 'paused' : 'resumed'} schedule ${name}`,
          (s) => [s.name],
        );
      });
  }

  schedules
    .command('delete')
    .description('delete a schedule (jobs it already submitted are kept)')
    .argument('<NAME>', 'schedule name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.deleteSchedule(name);
      ctx.done(`deleted schedule ${name}`, name);
    });
}
