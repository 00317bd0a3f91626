/** `envs create|list|show|scale|delete|token|tokens|revoke-token`. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { collectAll, type CreateEnvironment } from '../../sdk/index.js';
import { parseCount, parseDuration, parsePositive } from '../arguments.js';
import { contextOf } from '../context.js';
import { printJson, printLine } from '../output.js';
import { environmentsTable, environmentView } from '../views/environments.js';
import { registrationTokensTable } from '../views/users.js';

interface CreateOptions {
  type?: 'managed' | 'auto';
  provider?: 'manual' | 'command';
  desired?: number;
  shared?: boolean;
}

export function registerEnvironments(program: Command): void {
  const envs = program.command('envs').description('compute environments: the sets of nodes tasks run on');

  envs
    .command('create')
    .description('create a compute environment')
    .argument('<NAME>', 'environment name')
    .addOption(
      new Option('--type <TYPE>', 'managed: kept at --desired nodes; auto: nodes created on demand').choices([
        'managed',
        'auto',
      ]),
    )
    .addOption(new Option('--provider <PROVIDER>', 'who creates nodes').choices(['manual', 'command']))
    .option('--desired <N>', 'number of nodes to keep', parseCount)
    .option('--shared', 'let every user run tasks on it')
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const ctx = contextOf(command);
      // Only what was given is sent, so the controller's defaults apply to the rest.
      const spec: CreateEnvironment = { name };
      if (options.type !== undefined) spec.type = options.type;
      if (options.provider !== undefined) spec.provider = options.provider;
      if (options.desired !== undefined) spec.desiredNodes = options.desired;
      if (options.shared) spec.shared = true;
      const env = await ctx.api.createEnvironment(spec);
      if (ctx.json) printJson(env);
      else printLine(`created compute environment ${env.name} (${env.type}, ${env.desiredNodes} desired nodes)`);
    });

  envs
    .command('list')
    .description('list compute environments')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await collectAll((cursor) => ctx.api.listEnvironments({ cursor }));
      if (ctx.json) printJson(page);
      else printLine(environmentsTable(page.items));
    });

  envs
    .command('show')
    .description('show a compute environment')
    .argument('<NAME>', 'environment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const env = await ctx.api.getEnvironment(name);
      if (ctx.json) printJson(env);
      else printLine(environmentView(env));
    });

  envs
    .command('scale')
    .description('set the number of nodes a managed environment keeps')
    .argument('<NAME>', 'environment name')
    .argument('<N>', 'desired number of nodes', parseCount)
    .action(async (name: string, desired: number, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const env = await ctx.api.scaleEnvironment(name, desired);
      if (ctx.json) printJson(env);
      else printLine(`compute environment ${env.name}: ${env.desiredNodes} desired nodes`);
    });

  envs
    .command('delete')
    .description('delete a compute environment')
    .argument('<NAME>', 'environment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.deleteEnvironment(name);
      if (!ctx.json) printLine(`deleted compute environment ${name}`);
    });

  envs
    .command('token')
    .description('create a registration token for new nodes; prints only the token, for $(batchctl envs token NAME)')
    .argument('<NAME>', 'environment name')
    .option('--ttl <DURATION>', 'how long it works: 3600, 30m, 12h, 7d (default 7d)', parseDuration)
    .option('--uses <N>', 'how many nodes may register with it (default: any number)', parsePositive)
    .action(async (name: string, options: { ttl?: number; uses?: number }, command: Command) => {
      const ctx = contextOf(command);
      const registration = await ctx.api.createRegistrationToken(name, {
        ...(options.ttl !== undefined ? { ttlSeconds: options.ttl } : {}),
        ...(options.uses !== undefined ? { maxUses: options.uses } : {}),
      });
      if (ctx.json) printJson(registration);
      else printLine(registration.token);
    });

  envs
    .command('tokens')
    .description("list an environment's registration tokens: uses, expiry (never the tokens themselves)")
    .argument('<NAME>', 'environment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.api.listRegistrationTokens(name);
      if (ctx.json) printJson(page);
      else printLine(registrationTokensTable(page.items));
    });

  envs
    .command('revoke-token')
    .description('revoke a registration token: no node can register with it any more')
    .argument('<NAME>', 'environment name')
    .argument('<ID>', 'token id, from `envs tokens NAME`')
    .action(async (name: string, id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.revokeRegistrationToken(name, id);
      if (!ctx.json) printLine(`revoked registration token ${id} of ${name}`);
    });
}
