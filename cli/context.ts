/**
 * What every verb's action needs from the global options: the API client (created on first use,
 * so verbs that never call the API, like `oss`, work without a token) and how to print results
 * (`-o table|wide|json|yaml`, `--json`, `-q`).
 */
import type { Command } from 'commander';
import { BatchClient } from '../sdk/index.js';
import { resolveConnection, type ConnectionSettings } from './connection.js';
import { MissingTokenError, UsageError } from './errors.js';
import { formatDocument, printLine } from './output.js';
import { stripControls } from './terminal-text.js';
import { loadTextWidth } from './text-width.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  output?: OutputFormat;
  quiet?: boolean;
}

export class CliContext {
  private client: BatchClient | undefined;

  constructor(
    private readonly connection: ConnectionSettings,
    readonly output: OutputFormat,
    readonly quiet = false,
  ) {}

  get api(): BatchClient {
    if (this.client) return this.client;
    if (this.connection.token === undefined) throw new MissingTokenError();
    this.client = new BatchClient({ url: this.connection.url, token: this.connection.token });
    return this.client;
  }

  /** JSON or YAML: the API's document, unchanged, is the output; text for people goes elsewhere. */
  get structured(): boolean {
    return this.output === 'json' || this.output === 'yaml';
  }

  /** Prints what the API returned: as its document, as ids (`-q`), or as the text for people. */
  async show<T>(data: T, text: (wide: boolean) => string, ids: (data: T) => readonly string[]): Promise<void> {
    process.stdout.write(await this.render(data, text, ids));
  }

  /** What `show` prints, ending in a newline; what came from the server is shown, not obeyed. */
  async render<T>(data: T, text: (wide: boolean) => string, ids: (data: T) => readonly string[]): Promise<string> {
    if (this.structured) return formatDocument(this.output as 'json' | 'yaml', data);
    if (this.quiet)
      return stripControls(
        ids(data)
          .map((id) => `${id}\n`)
          .join(''),
      );
    await loadTextWidth();
    return stripControls(`${text(this.output === 'wide')}\n`);
  }

  /** For a verb whose answer has no body (a delete): a sentence, or the id with `-q`, or nothing. */
  done(sentence: string, id: string): void {
    if (this.structured) return;
    printLine(this.quiet ? id : sentence);
  }
}

export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return new CliContext(resolveConnection(options, process.env), outputFormat(options), options.quiet === true);
}

function outputFormat(options: GlobalOptions): OutputFormat {
  if (options.json && options.output !== undefined && options.output !== 'json')
    throw new UsageError(`--json and -o ${options.output} disagree: give one of them`);
  const format = options.json ? 'json' : (options.output ?? 'table');
  if (options.quiet && (format === 'json' || format === 'yaml'))
    throw new UsageError(`-q prints ids only; it does not combine with -o ${format}`);
  return format;
}
