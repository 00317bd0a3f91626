/**
 * Failures the CLI itself detects, each with the exit code a script can branch on (docs/cli.md):
 * 0 ok, 1 a request failed, 2 usage, 3 controller unreachable, 4 not authenticated, and under
 * `--wait` 5 the job FAILED, 6 the job was STOPPED.
 */
export const EXIT = {
  failed: 1,
  usage: 2,
  unreachable: 3,
  unauthenticated: 4,
  jobFailed: 5,
  jobStopped: 6,
} as const;

/** The `batchctl --help` epilogue and docs/cli.md say the same. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success (a job waited for SUCCEEDED; stop of a finished job)
  1  a request failed (the controller refused it: not found, forbidden, invalid)
  2  usage error: bad arguments or options, unreadable file
  3  the controller cannot be reached
  4  missing or rejected token
  5  --wait/--follow: the job ended FAILED
  6  --wait/--follow: the job ended STOPPED`;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line is wrong: a bad argument, an unreadable or unparsable file. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class MissingTokenError extends CliError {
  constructor() {
    super(
      "no API token: set BATCH_TOKEN (or pass --token) to the admin token printed by 'make run' or one from 'batchctl tokens create'",
      EXIT.unauthenticated,
    );
  }
}

/** `--wait` saw the job end in a state other than SUCCEEDED. */
export class JobNotSucceededError extends CliError {
  constructor(
    readonly jobId: string,
    readonly state: string,
  ) {
    super(`job ${jobId} ended ${state}`, state === 'STOPPED' ? EXIT.jobStopped : EXIT.jobFailed);
  }
}
