/** The `batchctl` command tree (SPEC §6). Each verb group lives in its own file under commands/. */
import { Command } from 'commander';
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

export function createProgram(): Command {
  const program = new Command('batchctl');
  // Settings first: subcommands copy them when they are created.
  program
    .description('Command-line client of a Batch controller: submit DAG jobs and watch them run.')
    .version(BATCH_VERSION)
    .option('--url <URL>', `controller URL (default: $BATCH_URL, else ${DEFAULT_URL})`)
    .option('--token <TOKEN>', 'API token (default: $BATCH_TOKEN)')
    .option('--json', "print the API's JSON for the resource instead of a table")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok; 1 the request failed or the job did not succeed; 2 usage error;
3 the controller cannot be reached; 4 missing or rejected token.
`,
    );

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
  return program;
}
