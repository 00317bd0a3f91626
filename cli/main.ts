/** batchctl's entry point: run the command, then turn any failure into a message and an exit code. */
import { CommanderError } from 'commander';
import { describeError } from './describe-error.js';
import { EXIT } from './errors.js';
import { createProgram } from './program.js';
import { stripControls } from './terminal-text.js';

// `batchctl logs … | head` closes the pipe early; that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeAfterReporting(error);
}

function exitCodeAfterReporting(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed the help, the version or the usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    return EXIT.usage;
  }
  const report = describeError(error);
  const text = `batchctl: ${report.message}\n${report.details.map((line) => `${line}\n`).join('')}`;
  process.stderr.write(stripControls(text));
  return report.exitCode;
}
