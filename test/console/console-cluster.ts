/** A controller with local nodes, as `make run` starts it, for the console's browser tests. */
import { BatchClient } from '../../sdk/client.js';
import { startController, type Controller } from '../support/cluster.js';
import type { Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

export async function startConsoleCluster(
  t: Teardown,
  nodes: number,
): Promise<{ controller: Controller; client: BatchClient }> {
  const controller = await startController(t, { store: 'pglite', localNodes: nodes });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  await waitFor(
    `${nodes} READY local nodes`,
    async () => (await client.listNodes()).items.filter((n) => n.state === 'READY').length >= nodes,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { controller, client };
}
