/**
 * The `command` provider: the operator's own programs create and delete hosts, as Slurm's
 * ResumeProgram/SuspendProgram do. Each call runs the configured argument vector (no shell) with
 * one JSON document on stdin and reads one JSON document from stdout (docs/providers.md):
 *
 *   create  stdin { action, nodeId, name, environment, template, controllerUrl,
 *                   registrationToken, userData }          stdout { "providerId": "…" }
 *   delete  stdin { action, providerId, environment }     stdout ignored
 *   list    stdin { action, environment }   stdout { "hosts": [{ "providerId", "nodeId"? }] }
 *   create, with batchCreate: stdin { action, nodes: [ …as above… ] }
 *                              stdout { "hosts": [{ "nodeId", "providerId" }] }
 *
 * A non-zero exit, a signal, bad JSON or the timeout is a ProviderError carrying the end of the
 * program's stderr. How a program is run (its own process group, killed whole at the timeout,
 * bounded output, no secret in its environment) is program-run.ts; where, program-runner.ts.
 */
import type { CommandProviderConfig } from '../../protocol/api.js';
import type { CreateRequest, NodeProvider, ProvidedHost } from './provider.js';
import { ProviderError } from './provider.js';
import { inProcessRunner, type ProgramRunner } from './program-runner.js';

export class CommandProvider implements NodeProvider {
  constructor(
    private readonly environment: string,
    private readonly config: CommandProviderConfig,
    private readonly runner: ProgramRunner = inProcessRunner,
  ) {
    if (config.batchCreate) this.createMany = (requests, signal) => this.createBatch(requests, signal);
  }

  private async createBatch(requests: readonly CreateRequest[], signal: AbortSignal): Promise<ProvidedHost[]> {
    const out = await this.run(this.config.create, { action: 'create', nodes: requests }, signal);
    const hosts = (out as { hosts?: unknown } | null)?.hosts;
    if (!Array.isArray(hosts)) throw new ProviderError('create printed no "hosts" array');
    const asked = new Set(requests.map((r) => r.nodeId));
    return hosts.flatMap((h: unknown) => {
      const host = h as { providerId?: unknown; nodeId?: unknown } | null;
      const providerId = host?.providerId;
      const nodeId = host?.nodeId;
      const ok =
        typeof providerId === 'string' &&
        providerId.length > 0 &&
        providerId.length <= 512 &&
        typeof nodeId === 'string' &&
        asked.has(nodeId);
      return ok ? [{ providerId, nodeId }] : [];
    });
  }

  /** With `batchCreate`: one program run for a round of nodes. */
  readonly createMany?: (requests: readonly CreateRequest[], signal: AbortSignal) => Promise<ProvidedHost[]>;

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

  private async run(argv: readonly string[], input: object, signal: AbortSignal, parse = true): Promise<unknown> {
    const program = argv[0]!;
    const outcome = await this.runner.run(
      { argv, stdin: JSON.stringify(input), timeoutMs: this.config.timeoutSeconds * 1000 },
      signal,
    );
    const tail = outcome.stderrTail ? `: ${outcome.stderrTail}` : '';
    // The signal is the call's deadline: a cancel is its timeout, said as such.
    if (outcome.cancelled)
      throw new ProviderError(`${program} did not finish within its timeout (${this.config.timeoutSeconds} s)${tail}`);
    if (outcome.failure) throw new ProviderError(`${outcome.failure}${tail}`);
    if (outcome.code !== 0)
      throw new ProviderError(`${program} exited with ${outcome.signal ?? `code ${outcome.code}`}${tail}`);
    if (!parse) return null;
    try {
      return JSON.parse(outcome.stdout) as unknown;
    } catch {
      throw new ProviderError(`${program} printed something that is not JSON${tail}`);
    }
  }
}
