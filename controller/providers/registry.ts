/** Which provider creates an environment's nodes: one `local` for the host, a `command` per environment. */
import type { CommandProviderConfig } from '../../protocol/api.js';
import { CommandProvider } from './command.js';
import type { LocalProvider } from './local.js';
import type { NodeProvider } from './provider.js';
import type { ProgramRunner } from './program-runner.js';

export interface ProviderSettings {
  name: string;
  provider: string;
  providerConfig: { command?: CommandProviderConfig };
}

export function providerRegistry(
  local: LocalProvider,
  runner: ProgramRunner,
): (env: ProviderSettings) => NodeProvider | undefined {
  const commands = new Map<string, { key: string; provider: CommandProvider }>();
  return (env) => {
    if (env.provider === 'local') return local;
    if (env.provider !== 'command' || !env.providerConfig.command) return undefined;
    const key = JSON.stringify(env.providerConfig.command);
    let entry = commands.get(env.name);
    if (entry?.key !== key) {
      entry = { key, provider: new CommandProvider(env.name, env.providerConfig.command, runner) };
      commands.set(env.name, entry);
    }
    return entry.provider;
  };
}
