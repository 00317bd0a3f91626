/**
 * Failures the CLI itself detects, each with the exit code a script can branch on:
 * 0 ok, 1 the request or the job failed, 2 usage, 3 controller unreachable, 4 not authenticated.
 */
export const EXIT = {
  failed: 1,
  usage: 2,
  unreachable: 3,
  unauthenticated: 4,
} as const;

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

/** `submit --wait` saw the job end in a state other than SUCCEEDED. */
export class JobNotSucceededError extends CliError {
  constructor(
    readonly jobId: string,
    readonly state: string,
  ) {
    super(`job ${jobId} ended ${state}`, EXIT.failed);
  }
}
