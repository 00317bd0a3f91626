/** `controllers` (admin): the controllers sharing one database, their leases and agents. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { controllersTable } from '../views/controllers.js';

export function registerControllers(program: Command): void {
  program
    .command('controllers')
    .description('list the controllers sharing the database: state, connected nodes, the duties each holds (admin)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.api.listControllers();
      await ctx.show(
        page,
        () => controllersTable(page.items),
        (p) => p.items.map((c) => c.id),
      );
    });
}
