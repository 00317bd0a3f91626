/**
 * The `provision` scenario's batch `create` (`batchCreate: true`): one run for a round of nodes,
 * as Slurm's ResumeProgram gets a host list. It hands each node to the simulator through the
 * same spool files the sh script writes for one (simulator/spool.ts has the layout) and prints
 * every host it made. Argument: the spool dir.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Request {
  nodeId: string;
}

const spool = process.argv[2]!;
const { nodes } = JSON.parse(readFileSync(0, 'utf8')) as { nodes: Request[] };
const hosts = nodes.map((node) => {
  const providerId = `b-${node.nodeId}`;
  writeFileSync(path.join(spool, 'hosts', providerId), `${node.nodeId}\n`);
  writeFileSync(path.join(spool, 'requests', `${providerId}.json`), JSON.stringify(node));
  // Written last: the request is complete.
  writeFileSync(path.join(spool, `create-${providerId}`), '');
  return { nodeId: node.nodeId, providerId };
});
process.stdout.write(`${JSON.stringify({ hosts })}\n`);
