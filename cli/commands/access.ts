/**
 * `users create|list` and `tokens create`. A new token is printed alone on stdout (the note about
 * it goes to stderr), so `export BATCH_TOKEN=$(batchctl tokens create)` works.
 */
import type { Command } from 'commander';
import { collectAll } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { printJson, printLine } from '../output.js';
import { usersTable } from '../views/users.js';

export function registerAccess(program: Command): void {
  const users = program.command('users').description('users (admin only)');

  users
    .command('create')
    .description('create a user and print their first API token (shown only once)')
    .argument('<NAME>', 'user name')
    .option('--admin', 'the user can manage users and every resource')
    .action(async (name: string, options: { admin?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const created = await ctx.api.createUser(options.admin ? { name, admin: true } : { name });
      if (ctx.json) {
        printJson(created);
        return;
      }
      process.stderr.write(
        `created ${created.user.admin ? 'admin ' : ''}user ${created.user.name}; their API token (shown only once):\n`,
      );
      printLine(created.token);
    });

  users
    .command('list')
    .description('list users')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await collectAll((cursor) => ctx.api.listUsers({ cursor }));
      if (ctx.json) printJson(page);
      else printLine(usersTable(page.items));
    });

  const tokens = program.command('tokens').description('API tokens of the calling user');

  tokens
    .command('create')
    .description('create an API token for yourself and print it (shown only once)')
    .option('--name <NAME>', 'a label to recognise the token by')
    .action(async (options: { name?: string }, command: Command) => {
      const ctx = contextOf(command);
      const token = await ctx.api.createToken(options.name !== undefined ? { name: options.name } : {});
      if (ctx.json) printJson(token);
      else printLine(token.token);
    });
}
