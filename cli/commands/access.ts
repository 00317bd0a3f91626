/**
 * `users create|list|quotas|disable|enable|delete`, `tokens create|list|revoke` and `audit`. A new
 * token is printed alone on stdout (the note about it goes to stderr), so
 * `export BATCH_TOKEN=$(batchctl tokens create)` works.
 */
import type { Command } from 'commander';
import { collectAll } from '../../sdk/index.js';
import { parseDuration, parsePositive, parseQuota } from '../arguments.js';
import { contextOf } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { printLine } from '../output.js';
import { auditTable, tokensTable, usersTable } from '../views/users.js';

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
      if (ctx.structured) {
        await ctx.show(created, String, () => []);
        return;
      }
      process.stderr.write(
        `created ${created.user.admin ? 'admin ' : ''}user ${created.user.name}; their API token (shown only once):\n`,
      );
      printLine(created.token);
    });

  users
    .command('list')
    .description('list users: state, jobs held of the quota')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await collectAll((cursor) => ctx.api.listUsers({ cursor }));
      await ctx.show(
        page,
        () => usersTable(page.items),
        (p) => p.items.map((u) => u.name),
      );
    });

  users
    .command('quotas')
    .description("show a user's quotas, or change some of them, e.g. `users quotas alice jobs=500 runningInstances=50`")
    .argument('<NAME>', 'user name')
    .argument(
      '[QUOTA=N...]',
      'quotas to set (none: show them)',
      (value, previous: Record<string, number> | undefined) => parseQuota(value, previous),
    )
    .action(async (name: string, quotas: Record<string, number> | undefined, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const user =
        // commander gives [] for a variadic argument that is absent
        quotas === undefined || Object.keys(quotas).length === 0
          ? (await collectAll((cursor) => ctx.api.listUsers({ cursor }))).items.find((u) => u.name === name)
          : await ctx.api.updateUserQuotas(name, quotas);
      if (user === undefined) throw new CliError(`user ${name} not found`, EXIT.failed);
      await ctx.show(
        user,
        () =>
          Object.entries(user.quotas)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        (u) => [u.name],
      );
    });

  for (const [verb, description] of [
    ['disable', "refuse the user's tokens from now on (their running work continues)"],
    ['enable', 'let a disabled user in again'],
  ] as const) {
    users
      .command(verb)
      .description(description)
      .argument('<NAME>', 'user name')
      .action(async (name: string, _options: unknown, command: Command) => {
        const ctx = contextOf(command);
        const user = verb === 'disable' ? await ctx.api.disableUser(name) : await ctx.api.enableUser(name);
        await ctx.show(
          user,
          () => `user ${user.name} ${user.disabled ? 'disabled' : 'enabled'}`,
          (u) => [u.name],
        );
      });
  }

  users
    .command('delete')
    .description('delete a user with their jobs, templates, tokens and environments; their buckets pass to you')
    .argument('<NAME>', 'user name')
    .option('--force', 'stop their unfinished jobs first instead of refusing')
    .action(async (name: string, options: { force?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.deleteUser(name, { force: options.force === true });
      ctx.done(`deleted user ${name}`, name);
    });

  const tokens = program.command('tokens').description('API tokens');

  tokens
    .command('create')
    .description('create an API token for yourself and print it (shown only once)')
    .option('--name <NAME>', 'a label to recognise the token by')
    .option('--ttl <DURATION>', 'how long it works: 3600, 30m, 12h, 7d (default: until revoked)', parseDuration)
    .action(async (options: { name?: string; ttl?: number }, command: Command) => {
      const ctx = contextOf(command);
      const token = await ctx.api.createToken({
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.ttl !== undefined ? { ttlSeconds: options.ttl } : {}),
      });
      // The token alone, so `$(batchctl tokens create)` is it; -q too prints the secret, not the id.
      if (ctx.structured) await ctx.show(token, String, () => []);
      else printLine(token.token);
    });

  tokens
    .command('list')
    .description('list your tokens (never the tokens themselves): last use, expiry')
    .option('--user <NAME>', "an admin: another user's tokens, or '*' for everyone's")
    .action(async (options: { user?: string }, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.api.listTokens(options.user !== undefined ? { user: options.user } : {});
      await ctx.show(
        page,
        () => tokensTable(page.items),
        (p) => p.items.map((t) => t.id),
      );
    });

  tokens
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .argument('<ID>', 'token id, from `tokens list`')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.revokeToken(id);
      ctx.done(`revoked token ${id}`, id);
    });

  program
    .command('audit')
    .description('security events, newest first (admin only): tokens, users, quotas, node registrations')
    .option('--action <ACTION>', 'only this action, e.g. token.revoked or node.registered')
    .option('--limit <N>', 'at most this many (default 100)', parsePositive)
    .action(async (options: { action?: string; limit?: number }, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.api.listAuditEvents({
        limit: options.limit ?? 100,
        ...(options.action !== undefined ? { action: options.action } : {}),
      });
      await ctx.show(
        page,
        () => auditTable(page.items),
        (p) => p.items.map((e) => String(e.id)),
      );
    });
}
