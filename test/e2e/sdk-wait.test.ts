/**
 * The SDK across a controller restart: a waiter that is waiting when the controller is killed
 * resolves once another controller is up, through its reconnected event stream (its poll is
 * longer than the test), and a GET sent while the controller is down is retried until it answers.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/index.js';
import { fixedPort, restartController, STORES, startAgent, startController } from '../support/cluster.js';
import { sharedTmpDir } from '../support/tmp.js';
import { within } from '../support/wait.js';
import { waitReadyNodes } from './fixture.js';

for (const store of STORES) {
  t.test(`${store}: waitForJob and retries outlive a controller SIGKILLed and restarted`, async (t) => {
    const port = fixedPort();
    const controller = await startController(t, { store, port });
    const client = new BatchClient({
      url: controller.url,
      token: controller.token,
      retries: { attempts: 100, baseMs: 50, maxMs: 200 },
    });
    const { token } = await client.createRegistrationToken('local');
    await startAgent(t, { controllerUrl: controller.url, registrationToken: token, name: 'n0' });
    await waitReadyNodes(client, 1);

    // The job runs until the test lets it end, so the restart surely falls in the middle of it.
    const gate = path.join(sharedTmpDir(t, 'batch-sdk-wait-'), 'go');
    const job = await client.submitJob({
      name: 'waited',
      tasks: [{ name: 'a', command: `while [ ! -f ${gate} ]; do sleep 0.05; done; echo done` }],
    });
    const states: string[] = [];
    let running!: () => void;
    const isRunning = new Promise<void>((resolve) => (running = resolve));
    const waiting = client.waitForJob(job.id, {
      timeoutMs: 150_000,
      // Longer than the test: only the event stream, reconnected, can bring the news.
      pollMs: 600_000,
      onProgress: (j) => {
        states.push(j.state);
        if (j.state === 'RUNNING') running();
      },
    });
    await within('the job to run', isRunning, 60_000);

    await controller.kill();
    // Sent while nothing listens on the port: refused, and retried until the new controller answers.
    const readDuringRestart = client.getJob(job.id);
    writeFileSync(gate, '');
    await restartController(t, controller, { store, port });

    const done = await within('the waiter to resolve', waiting, 150_000);
    t.equal(done.state, 'SUCCEEDED');
    t.equal(done.id, job.id);
    t.ok(states.includes('RUNNING'), `progress reported: ${states.join(' → ')}`);
    t.equal(states.at(-1), 'SUCCEEDED');
    t.equal((await within('the GET sent during the restart', readDuringRestart, 60_000)).id, job.id);
  });
}
