/** `nodes`, `drain NODE` and `undrain NODE`. */
import type { Command } from 'commander';
import { ApiRequestError, collectAll, type BatchClient } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { nodesTable } from '../views/nodes.js';
import { watchList } from '../watch.js';

const NODE_POLL_MS = 5000;

export function registerNodes(program: Command): void {
  const nodes = program
    .command('nodes')
    .description('list nodes: state, capacity and what is allocated of it, load, last heartbeat')
    .option('--all', 'TERMINATED nodes too (kept for the retention period)')
    .option('--env <NAME>', "only this compute environment's nodes")
    .option('-w, --watch', 'keep the list on screen and redraw it when a node or its metrics change (Ctrl-C ends)')
    .action(async (options: { all?: boolean; env?: string; watch?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const query = { all: options.all === true, ...(options.env ? { environment: options.env } : {}) };
      const render = async () => {
        const page = await collectAll((cursor) => ctx.api.listNodes({ cursor, ...query }));
        return await ctx.render(
          page,
          (wide) => nodesTable(page.items, Date.now(), { wide }),
          (p) => p.items.map((n) => n.id),
        );
      };
      // Heartbeats and metrics change without events: read them again as often as agents send them.
      if (options.watch) await watchList(ctx, { events: { kind: 'node' }, pollMs: NODE_POLL_MS }, render);
      else process.stdout.write(await render());
    });

  nodes
    .command('delete')
    .description('remove a node: it takes no new work and is deleted once its instances finish')
    .argument('<NODE>', 'node id, or its name when no other node has it')
    .option('--force', 'delete it now: its running instances are re-queued')
    .action(async (ref: string, options: { force?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const remove = (id: string) => ctx.api.deleteNode(id, { force: options.force === true });
      const node = await remove(ref).catch(async (err: unknown) => {
        if (!(err instanceof ApiRequestError && err.code === 'NOT_FOUND')) throw err;
        return remove(await nodeIdByName(ctx.api, ref, err));
      });
      await ctx.show(
        node,
        () =>
          options.force
            ? `node ${node.id} ${node.state}: deleted now; its running instances are re-queued`
            : `node ${node.id} ${node.state}: it takes no new work and goes once its running instances have finished`,
        (n) => [n.id],
      );
    });

  for (const [verb, description] of [
    ['drain', 'stop placing instances on a node; running ones finish'],
    ['undrain', 'let a drained node take new instances again'],
  ] as const) {
    program
      .command(verb)
      .description(description)
      .argument('<NODE>', 'node id, or its name when no other node has it')
      .action(async (ref: string, _options: unknown, command: Command) => {
        const ctx = contextOf(command);
        const change = (id: string) => (verb === 'drain' ? ctx.api.drainNode(id) : ctx.api.undrainNode(id));
        const node = await change(ref).catch(async (err: unknown) => {
          // `nodes` shows names too, and people type what they see
          if (!(err instanceof ApiRequestError && err.code === 'NOT_FOUND')) throw err;
          return change(await nodeIdByName(ctx.api, ref, err));
        });
        await ctx.show(
          node,
          () => `node ${node.id} ${node.state}`,
          (n) => [n.id],
        );
      });
  }
}

async function nodeIdByName(api: BatchClient, name: string, notFound: ApiRequestError): Promise<string> {
  const named = (await collectAll((cursor) => api.listNodes({ cursor }))).items.filter((n) => n.name === name);
  if (named.length === 0) throw notFound;
  if (named.length > 1) {
    throw new UsageError(
      `${named.length} nodes are named ${name}: give one of their ids (${named.map((n) => n.id).join(', ')})`,
    );
  }
  return named[0]!.id;
}
