/** The `batchctl` command tree (SPEC §6). Each verb group lives in its own file under commands/. */
import { Argument, Command, Option } from 'commander';
import { BATCH_VERSION } from '../protocol/version.js';
import { registerAccess } from './commands/access.js';
import { registerControllers } from './commands/controllers.js';
import { registerEnvironments } from './commands/environments.js';
import { registerEvents } from './commands/events.js';
import { registerInstances } from './commands/instances.js';
import { registerJobs } from './commands/jobs.js';
import { registerNodes } from './commands/nodes.js';
import { registerOss } from './commands/oss.js';
import { registerSchedules } from './commands/schedules.js';
import { registerSubmit } from './commands/submit.js';
import { registerTemplates } from './commands/templates.js';
import { DEFAULT_URL } from './connection.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { OUTPUT_FORMATS } from './context.js';
import { EXIT_CODES_HELP } from './errors.js';

export function createProgram(): Command {
  const program = new Command('batchctl');
  // Settings first: subcommands copy them when they are created.
  program
    .description('Command-line client of a Batch controller: submit DAG jobs and watch them run.')
    .version(BATCH_VERSION)
    .option('--url <URL>', `controller URL (default: $BATCH_URL, else ${DEFAULT_URL})`)
    .option('--token <TOKEN>', 'API token (default: $BATCH_TOKEN)')
    .option('--json', "print the API's JSON for the resource instead of a table (the same as -o json)")
    .addOption(
      new Option('-o, --output <FORMAT>', "table; wide (more columns); json or yaml (the API's document)").choices(
        OUTPUT_FORMATS,
      ),
    )
    .option('-q, --quiet', 'print only ids (names for templates, environments, schedules), one per line')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    // One prefix for every error batchctl prints: commander's own usage errors say "error: …".
    .configureOutput({ outputError: (text, write) => write(`batchctl: ${text.replace(/^error: /, '')}`) })
    .exitOverride()
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\nEvery verb, with examples: docs/cli.md\n`);

  registerSubmit(program);
  registerJobs(program);
  registerInstances(program);
  registerTemplates(program);
  registerEnvironments(program);
  registerNodes(program);
  registerSchedules(program);
  registerEvents(program);
  registerAccess(program);
  registerOss(program);
  registerControllers(program);
  registerCompletion(program);
  return program;
}

function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for verbs and flags (docs/cli.md says how to install it)')
    .addArgument(new Argument('<SHELL>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      `
bash:        source <(batchctl completion bash)        (add it to ~/.bashrc)
zsh:         source <(batchctl completion zsh)         (add it to ~/.zshrc)
PowerShell:  batchctl completion powershell | Out-String | Invoke-Expression   (add it to $PROFILE)
`,
    )
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
}
