/** `envs create|list|show|scale|delete|token|tokens|revoke-token`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { collectAll, type CreateEnvironment } from '../../sdk/index.js';
import { parseCount, parseDuration, parsePositive } from '../arguments.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { printLine } from '../output.js';
import { environmentsTable, environmentView } from '../views/environments.js';
import { watchList } from '../watch.js';
import { registrationTokensTable } from '../views/users.js';

interface CreateOptions {
  type?: 'managed' | 'auto' | 'unmanaged';
  provider?: 'none' | 'local' | 'command' | 'manual';
  desired?: number;
  maxNodes?: number;
  idleTimeout?: number;
  cpu?: number;
  memoryMib?: number;
  gpu?: number;
  label?: Record<string, string>;
  instanceType?: string;
  image?: string;
  userDataFile?: string;
  createCommand?: string;
  deleteCommand?: string;
  listCommand?: string;
  commandTimeout?: number;
  batchCreate?: boolean;
  shared?: boolean;
}

/** `k=v`, repeatable, into one record. */
function parseLabel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('must be KEY=VALUE');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** A provider program's command line: words split on spaces (a script takes anything more). */
const argv = (line: string) => line.split(/\s+/).filter(Boolean);

function environmentSpec(name: string, options: CreateOptions): CreateEnvironment {
  // Only what was given is sent, so the controller's defaults apply to the rest.
  const spec: CreateEnvironment = { name };
  if (options.type !== undefined) spec.type = options.type;
  if (options.provider !== undefined) spec.provider = options.provider;
  if (options.desired !== undefined) spec.desiredNodes = options.desired;
  if (options.maxNodes !== undefined) spec.maxNodes = options.maxNodes;
  if (options.idleTimeout !== undefined) spec.idleTimeoutSeconds = options.idleTimeout;
  if (options.shared) spec.shared = true;
  const template: NonNullable<CreateEnvironment['template']> = {};
  if (options.cpu !== undefined) template.cpu = options.cpu;
  if (options.memoryMib !== undefined) template.memoryMiB = options.memoryMib;
  if (options.gpu !== undefined) template.gpu = options.gpu;
  if (options.label !== undefined) template.labels = options.label;
  if (options.instanceType !== undefined) template.instanceType = options.instanceType;
  if (options.image !== undefined) template.image = options.image;
  if (options.userDataFile !== undefined) template.userData = readFileSync(options.userDataFile, 'utf8');
  if (Object.keys(template).length > 0) spec.template = template;
  if (options.createCommand !== undefined || options.deleteCommand !== undefined) {
    if (options.createCommand === undefined || options.deleteCommand === undefined)
      throw new UsageError('--create-command and --delete-command go together');
    spec.command = { create: argv(options.createCommand), delete: argv(options.deleteCommand) };
    if (options.listCommand !== undefined) spec.command.list = argv(options.listCommand);
    if (options.commandTimeout !== undefined) spec.command.timeoutSeconds = options.commandTimeout;
    if (options.batchCreate) spec.command.batchCreate = true;
  }
  return spec;
}

export function registerEnvironments(program: Command): void {
  const envs = program.command('envs').description('compute environments: the sets of nodes tasks run on');

  envs
    .command('create')
    .description('create a compute environment')
    .argument('<NAME>', 'environment name')
    .addOption(
      new Option(
        '--type <TYPE>',
        'managed: kept at --desired nodes; auto: nodes made for its work, deleted when idle; unmanaged: nodes join with `envs token`',
      ).choices(['managed', 'auto', 'unmanaged']),
    )
    .addOption(
      new Option('--provider <PROVIDER>', 'who creates its nodes (none: they join by hand)').choices([
        'none',
        'local',
        'command',
        'manual',
      ]),
    )
    .option('--desired <N>', 'managed: number of nodes to keep', parseCount)
    .option('--max-nodes <N>', 'auto: most nodes at once (default 10)', parsePositive)
    .option('--idle-timeout <DURATION>', 'auto: keep an idle node this long for more work (default 60s)', parseDuration)
    .option('--cpu <N>', 'node template: CPUs each node offers', parseFloat)
    .option('--memory-mib <N>', 'node template: memory each node offers', parsePositive)
    .option('--gpu <N>', 'node template: GPUs each node offers', parseCount)
    .option('--label <KEY=VALUE>', 'node template: a label of each node (repeatable)', parseLabel)
    .option('--instance-type <TYPE>', 'node template: the cloud instance type (command providers read it)')
    .option('--image <IMAGE>', 'node template: the machine image (command providers read it)')
    .option('--user-data-file <FILE>', 'node template: lines run after the bootstrap on first boot')
    .option('--create-command <CMD>', 'command provider: the program that creates a host (admin only)')
    .option('--delete-command <CMD>', 'command provider: the program that deletes a host')
    .option('--list-command <CMD>', 'command provider: the program that lists hosts (adoption after a restart)')
    .option('--command-timeout <SECONDS>', 'command provider: timeout of each program (default 300)', parsePositive)
    .option('--batch-create', 'command provider: one create run gets every node of a round (a host list, as Slurm)')
    .option('--shared', 'let every user run tasks on it')
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const ctx = contextOf(command);
      const env = await ctx.api.createEnvironment(environmentSpec(name, options));
      await ctx.show(
        env,
        () =>
          `created compute environment ${env.name} (${env.type}, provider ${env.provider}${env.type === 'managed' ? `, ${desiredNodes(env.desiredNodes)}` : ''})`,
        (e) => [e.name],
      );
    });

  envs
    .command('list')
    .description('list compute environments')
    .option('--all', 'auto environments with no nodes too')
    .option(
      '-w, --watch',
      'keep the list on screen and redraw it when an environment or its nodes change (Ctrl-C ends)',
    )
    .action(async (options: { all?: boolean; watch?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const render = async () => {
        const page = await collectAll((cursor) => ctx.api.listEnvironments({ cursor, all: options.all === true }));
        return await ctx.render(
          page,
          (wide) => environmentsTable(page.items, Date.now(), { wide }),
          (p) => p.items.map((e) => e.name),
        );
      };
      if (options.watch) await watchList(ctx, { events: { kind: ['environment', 'node'] } }, render);
      else process.stdout.write(await render());
    });

  envs
    .command('show')
    .description('show a compute environment')
    .argument('<NAME>', 'environment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const env = await ctx.api.getEnvironment(name);
      const forPeople = !ctx.structured && !ctx.quiet;
      const nodes = forPeople
        ? (await collectAll((cursor) => ctx.api.listNodes({ cursor, environment: name, all: true }))).items
        : [];
      await ctx.show(
        env,
        () => environmentView(env, nodes),
        (e) => [e.name],
      );
    });

  envs
    .command('scale')
    .description('set the number of nodes a managed environment keeps')
    .argument('<NAME>', 'environment name')
    .argument('<N>', 'desired number of nodes', parseCount)
    .option('--force', 'a scale-in may delete busy nodes (their instances are re-queued); default: they finish first')
    .action(async (name: string, desired: number, options: { force?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const env = await ctx.api.scaleEnvironment(name, desired, { force: options.force === true });
      await ctx.show(
        env,
        () => `compute environment ${env.name}: ${desiredNodes(env.desiredNodes)}`,
        (e) => [e.name],
      );
    });

  envs
    .command('delete')
    .description('delete a compute environment: its nodes are drained and deleted, then it goes')
    .argument('<NAME>', 'environment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.deleteEnvironment(name);
      ctx.done(`deleting compute environment ${name}: its nodes finish their work and go`, name);
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
      if (ctx.structured) await ctx.show(registration, String, () => []);
      else printLine(registration.token);
    });

  envs
    .command('tokens')
    .description("list an environment's registration tokens: uses, expiry (never the tokens themselves)")
    .argument('<NAME>', 'environment name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.api.listRegistrationTokens(name);
      await ctx.show(
        page,
        () => registrationTokensTable(page.items),
        (p) => p.items.map((t) => t.id),
      );
    });

  envs
    .command('revoke-token')
    .description('revoke a registration token: no node can register with it any more')
    .argument('<NAME>', 'environment name')
    .argument('<ID>', 'token id, from `envs tokens NAME`')
    .action(async (name: string, id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.revokeRegistrationToken(name, id);
      ctx.done(`revoked registration token ${id} of ${name}`, id);
    });
}

const desiredNodes = (n: number) => `${n} desired node${n === 1 ? '' : 's'}`;
