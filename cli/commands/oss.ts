/**
 * `oss cp SRC DST` and `oss ls URL` are part of the CLI's interface (SPEC §6), but the controller
 * has no object-storage API yet. They say so and exit 2 rather than pretend to have copied.
 */
import type { Command } from 'commander';
import { NotAvailableError } from '../errors.js';

const WHY = 'the controller has no object-storage API yet';

export function registerOss(program: Command): void {
  const oss = program.command('oss').description('copy files to and from oss:// URLs (not available in this version)');

  oss
    .command('cp')
    .description('copy a local file to an oss:// URL or back')
    .argument('<SRC>', 'local path or oss:// URL')
    .argument('<DST>', 'local path or oss:// URL')
    .action(() => {
      throw new NotAvailableError('oss cp', WHY);
    });

  oss
    .command('ls')
    .description('list the objects under an oss:// URL')
    .argument('<URL>', 'oss://bucket/prefix/')
    .action(() => {
      throw new NotAvailableError('oss ls', WHY);
    });
}
