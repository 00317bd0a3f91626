import { BatchClient } from '../../sdk/client.js';
import { startAgent, startController } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';
export async function startCluster(t, options) {
    const controller = await startController(t, { store: options.store, ...(options.env ? { env: options.env } : {}) });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const { token } = await client.createRegistrationToken('local');
    const agents = [];
    for (let i = 0; i < (options.agents ?? 2); i++) {
        agents.push(await startAgent(t, {
            controllerUrl: controller.url,
            registrationToken: token,
            name: `node-${i}`,
            cpu: options.cpu ?? 4,
        }));
    }
    await waitReadyNodes(client, agents.length);
    return { controller, client, agents, registrationToken: token };
}
export async function waitReadyNodes(client, count, timeoutMs = 20_000) {
    await waitFor(`${count} READY nodes`, async () => (await client.listNodes()).items.filter((n) => n.state === 'READY').length >= count, {
        timeoutMs,
        intervalMs: 50,
    });
}
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);
export async function waitJobFinished(client, jobId, timeoutMs = 60_000) {
    let last;
    return waitFor(`job ${jobId} to finish`, async () => {
        last = await client.getJob(jobId);
        return FINISHED.has(last.state) ? last : undefined;
    }, { timeoutMs, intervalMs: 50, describe: () => JSON.stringify(last) });
}
export async function readLog(client, jobId, task, index, stream = 'stdout') {
    const chunks = [];
    for await (const chunk of await client.logs(jobId, task, index, { stream }))
        chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
}
export function pidAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (err) {
        return err.code === 'EPERM';
    }
}
//# sourceMappingURL=fixture.js.map