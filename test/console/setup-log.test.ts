/**
 * The agent's own setup lines (`[batch] …`, agent/runner/setup-log.ts) stand apart on the logs
 * page: each is marked with a class and a label for screen readers, and the command's own line
 * beside them is not.
 */
import t from 'tap';
import { waitFor } from '../support/wait.js';
import { browserTestsUnavailable, launchBrowser, openConsole, screenshot, signIn, visit } from './browser.js';
import { startConsoleCluster } from './console-cluster.js';

const unavailable = browserTestsUnavailable();
// Generous: `make test` runs this beside the end-to-end tests on a 2-core machine.
t.setTimeout(300_000);

t.test('setup lines are marked on the logs page', { skip: unavailable ?? false }, async (t) => {
  const { controller, client } = await startConsoleCluster(t, 1);
  // An input makes the agent say what it staged, in stderr, before the command runs.
  await client.putObject('oss://setup-log/in/hello.txt', 'hello\n');
  const job = await client.submitJob({
    name: 'staged',
    tasks: [
      { name: 'a', command: 'echo "the command speaks" >&2', inputs: { 'oss://setup-log/in/hello.txt': 'hello.txt' } },
    ],
  });
  await waitFor(
    `job ${job.id} to succeed`,
    async () => {
      const state = (await client.getJob(job.id)).state;
      if (state === 'FAILED' || state === 'STOPPED') throw new Error(`the job ended ${state}`);
      return state === 'SUCCEEDED';
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );

  const browser = await launchBrowser(t);
  const { page, problems } = await openConsole(browser, controller.url);
  await signIn(page, controller.token);
  await visit(page, `/jobs/${job.id}/tasks/a/instances/0/logs?stream=stderr&attempt=1`);
  const output = page.getByTestId('log-output');
  await output.getByText('the command speaks').waitFor();

  const marked = output.locator('.log-setup');
  t.ok((await marked.count()) >= 1, 'at least one setup line is marked');
  for (const text of await marked.allTextContents())
    t.match(text, /^Batch setup: \[batch\] /, `marked and labelled: ${JSON.stringify(text)}`);
  t.match(await marked.first().textContent(), /oss:\/\/setup-log\/in\/hello\.txt/, 'the input is named');
  t.equal(await output.locator('.log-setup', { hasText: 'the command speaks' }).count(), 0, 'the command line is not');
  t.match(await output.textContent(), /the command speaks\n$/, "the command's line is in the log");
  await screenshot(page, 'setup-log');
  t.same(problems, [], 'no uncaught error, no CSP violation');
});
