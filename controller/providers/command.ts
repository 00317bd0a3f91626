/**
 * The `command` provider: the operator's own programs create and delete hosts, as Slurm's
 * ResumeProgram/SuspendProgram do. Each call runs the configured argument vector (no shell) with
 * one JSON document on stdin and reads one JSON document from stdout (docs/providers.md):
 *
 *   create  stdin { action, nodeId, name, environment, template, controllerUrl,
 *                   registrationToken, userData }          stdout { "providerId": "…" }
 *   delete  stdin { action, providerId, nodeId?, environment }     stdout ignored
 *   list    stdin { action, environment }   stdout { "hosts": [{ "providerId", "nodeId"? }] }
 *
 * A non-zero exit, a signal, bad JSON or the timeout is a ProviderError carrying the end of the
 * program's stderr. The program runs in its own process group, killed whole at the timeout, with
 * only PATH, HOME and the locale of the controller's environment: never its secrets.
 */
import { spawn } from 'node:child_process';
import type { CommandProviderConfig } from '../../protocol/api.js';
import type { CreateRequest, NodeProvider, ProvidedHost } from './provider.js';
import { ProviderError } from './provider.js';

/** What a provider program may print: enough for thousands of hosts, never the controller's memory. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
/** The end of stderr kept for the node's message and the log. */
const STDERR_TAIL_BYTES = 2048;
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export class CommandProvider implements NodeProvider {
  constructor(
    private readonly environment: string,
    private readonly config: CommandProviderConfig,
  ) {}

  async create(request: CreateRequest, signal: AbortSignal): Promise<ProvidedHost> {
    const out = await this.run(this.config.create, { action: 'create', ...request }, signal);
    const providerId = (out as { providerId?: unknown } | null)?.providerId;
    if (typeof providerId !== 'string' || providerId.length === 0 || providerId.length > 512)
      throw new ProviderError('create printed no "providerId" (a non-empty string of at most 512 characters)');
    return { providerId, nodeId: request.nodeId };
  }

  async delete(providerId: string, signal: AbortSignal): Promise<void> {
    await this.run(this.config.delete, { action: 'delete', providerId, environment: this.environment }, signal, false);
  }

  async list(signal: AbortSignal): Promise<ProvidedHost[]> {
    if (!this.config.list) return [];
    const out = await this.run(this.config.list, { action: 'list', environment: this.environment }, signal);
    const hosts = (out as { hosts?: unknown } | null)?.hosts;
    if (!Array.isArray(hosts)) throw new ProviderError('list printed no "hosts" array');
    return hosts.flatMap((h: unknown) => {
      const host = h as { providerId?: unknown; nodeId?: unknown } | null;
      if (typeof host?.providerId !== 'string') return [];
      return [{ providerId: host.providerId, ...(typeof host.nodeId === 'string' ? { nodeId: host.nodeId } : {}) }];
    });
  }

  private run(argv: readonly string[], input: object, signal: AbortSignal, parse = true): Promise<unknown> {
    const [program, ...args] = argv;
    const env = Object.fromEntries(
      PASSED_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
    );
    return new Promise((resolve, reject) => {
      const child = spawn(program!, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = Buffer.alloc(0);
      let failure: string | undefined;
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const onAbort = () => {
        failure ??= `${program} did not finish within its timeout (${this.config.timeoutSeconds} s)`;
        killGroup();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_STDOUT_BYTES) {
          failure ??= `printed more than ${MAX_STDOUT_BYTES} bytes`;
          killGroup();
        } else stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = Buffer.concat([stderr, chunk]);
        if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
      });
      child.on('error', (err) => {
        failure ??= `could not run ${program}: ${err.message}`;
      });
      // A program that exits without reading stdin is fine.
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(input));
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        const said = stderr.toString('utf8').trim();
        const tail = said ? `: ${said}` : '';
        if (failure) reject(new ProviderError(`${failure}${tail}`));
        else if (code !== 0) reject(new ProviderError(`${program} exited with ${sig ?? `code ${code}`}${tail}`));
        else if (!parse) resolve(null);
        else {
          try {
            resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')));
          } catch {
            reject(new ProviderError(`${program} printed something that is not JSON${tail}`));
          }
        }
      });
    });
  }
}
