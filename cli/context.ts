/**
 * What every verb's action needs from the global options: the API client (created on first use,
 * so verbs that never call the API, like `oss`, work without a token) and whether to print JSON.
 */
import type { Command } from 'commander';
import { BatchClient } from '../sdk/index.js';
import { resolveConnection, type ConnectionSettings } from './connection.js';
import { MissingTokenError } from './errors.js';

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export class CliContext {
  private client: BatchClient | undefined;

  constructor(
    private readonly connection: ConnectionSettings,
    readonly json: boolean,
  ) {}

  get api(): BatchClient {
    if (this.client) return this.client;
    if (this.connection.token === undefined) throw new MissingTokenError();
    this.client = new BatchClient({ url: this.connection.url, token: this.connection.token });
    return this.client;
  }
}

export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return new CliContext(resolveConnection(options, process.env), options.json === true);
}
