/** `nodes`, `drain NODE` and `undrain NODE`. */
import type { Command } from 'commander';
import { collectAll } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { printJson, printLine } from '../output.js';
import { nodesTable } from '../views/nodes.js';

export function registerNodes(program: Command): void {
  program
    .command('nodes')
    .description('list nodes: state, capacity and what is allocated of it, load, last heartbeat')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await collectAll((cursor) => ctx.api.listNodes({ cursor }));
      if (ctx.json) printJson(page);
      else printLine(nodesTable(page.items));
    });

  for (const [verb, description] of [
    ['drain', 'stop placing instances on a node; running ones finish'],
    ['undrain', 'let a drained node take new instances again'],
  ] as const) {
    program
      .command(verb)
      .description(description)
      .argument('<NODE>', 'node id')
      .action(async (nodeId: string, _options: unknown, command: Command) => {
        const ctx = contextOf(command);
        const node = verb === 'drain' ? await ctx.api.drainNode(nodeId) : await ctx.api.undrainNode(nodeId);
        if (ctx.json) printJson(node);
        else printLine(`node ${node.id} ${node.state}`);
      });
  }
}
