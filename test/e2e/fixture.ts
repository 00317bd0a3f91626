/** A running cluster for end-to-end tests: one controller process, N agent processes, a client. */
import type { Job } from '../../protocol/api.js';
import { BatchClient } from '../../sdk/client.js';
import { startAgent, startController, type Agent, type Controller, type StoreKind } from '../support/cluster.js';
import type { Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

export interface Cluster {
  controller: Controller & { databaseUrl?: string };
  client: BatchClient;
  agents: Agent[];
  registrationToken: string;
}

export async function startCluster(
  t: Teardown,
  options: { store: StoreKind; agents?: number; cpu?: number; env?: NodeJS.ProcessEnv },
): Promise<Cluster> {
  const controller = await startController(t, { store: options.store, ...(options.env ? { env: options.env } : {}) });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  const { token } = await client.createRegistrationToken('local');
  const agents: Agent[] = [];
  for (let i = 0; i < (options.agents ?? 2); i++) {
    agents.push(
      await startAgent(t, {
        controllerUrl: controller.url,
        registrationToken: token,
        name: `node-${i}`,
        cpu: options.cpu ?? 4,
      }),
    );
  }
  await waitReadyNodes(client, agents.length);
  return { controller, client, agents, registrationToken: token };
}

export async function waitReadyNodes(client: BatchClient, count: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${count} READY nodes`,
    async () => (await client.listNodes()).items.filter((n) => n.state === 'READY').length >= count,
    {
      timeoutMs,
      intervalMs: 50,
    },
  );
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);

export async function waitJobFinished(client: BatchClient, jobId: string, timeoutMs = 60_000): Promise<Job> {
  let last: Job | undefined;
  return waitFor(
    `job ${jobId} to finish`,
    async () => {
      last = await client.getJob(jobId);
      return FINISHED.has(last.state) ? last : undefined;
    },
    { timeoutMs, intervalMs: 50, describe: () => JSON.stringify(last) },
  );
}

export async function readLog(
  client: BatchClient,
  jobId: string,
  task: string,
  index: number,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await client.logs(jobId, task, index, { stream })) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
