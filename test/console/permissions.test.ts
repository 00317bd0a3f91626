/**
 * A user who is not an admin is offered only what the API lets them do: no Drain, Scale or
 * registration token on the shared `local` environment they do not own (but all of them on their
 * own), the Admin page's message without its forms, and their own API tokens on the Tokens page.
 */
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { waitFor } from '../support/wait.js';
import {
  browserTestsUnavailable,
  launchBrowser,
  openConsole,
  screenshot,
  seriousAxeViolations,
  signIn,
  visit,
} from './browser.js';
import { startConsoleCluster } from './console-cluster.js';

const unavailable = browserTestsUnavailable();
t.setTimeout(300_000);

t.test('a non-admin user in the console', { skip: unavailable ?? false }, async (t) => {
  const { controller, client } = await startConsoleCluster(t, 1);
  const bob = await client.createUser({ name: 'bob' });
  const asBob = new BatchClient({ url: controller.url, token: bob.token });
  await asBob.createEnvironment({ name: 'bobs', type: 'managed', provider: 'local', desiredNodes: 1 });
  await asBob.createEnvironment({ name: 'bobs-empty', type: 'unmanaged', provider: 'none' });
  await waitFor(
    "bob's node",
    async () => (await asBob.listNodes()).items.some((n) => n.environment === 'bobs' && n.state === 'READY'),
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  const browser = await launchBrowser(t);
  const { page, problems } = await openConsole(browser, controller.url);
  await signIn(page, bob.token);

  t.test('nodes: Drain on their own nodes only', async (t) => {
    await visit(page, '/nodes');
    const own = page.locator('tbody tr').filter({ has: page.locator('td:nth-child(3)', { hasText: /^bobs$/ }) });
    await own.getByRole('button', { name: 'Drain' }).waitFor();
    t.equal(
      await own
        .locator('td')
        .first()
        .evaluate((td) => getComputedStyle(td).whiteSpace),
      'nowrap',
      'a node name is not broken',
    );
    const local = page.getByRole('row', { name: /local-0/ });
    t.equal(await local.count(), 1, "the shared environment's node is listed");
    t.equal(await local.getByRole('button').count(), 0, 'with no action');
    const environments = await page.locator('tbody tr td:nth-child(3)').allTextContents();
    t.same(environments, [...environments].sort(), 'sorted by environment');
  });

  t.test('environments: Scale and registration tokens on their own only', async (t) => {
    await visit(page, '/environments');
    const row = (name: RegExp) =>
      page.locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: name }) });
    const own = row(/^bobs$/);
    await own.getByRole('button', { name: 'Scale' }).waitFor();
    const local = row(/^local/);
    t.equal(await local.count(), 1);
    t.equal(await local.getByRole('button', { name: 'Scale' }).count(), 0, 'no Scale on local');
    t.equal(await local.getByRole('button', { name: 'Registration token' }).count(), 0, 'no token on local');
    t.equal(await local.getByRole('button', { name: 'Delete' }).count(), 0, 'no Delete on local');
    const heights = await own.evaluate((tr) =>
      [...tr.children].map((td) => Math.round(td.getBoundingClientRect().height)),
    );
    t.same(new Set(heights).size, 1, `every cell as tall as its row (${heights.join(', ')})`);
    const empty = row(/^bobs-empty$/);
    t.match(await empty.locator('td').nth(5).textContent(), /^0 Show nodes$/, 'a space before the button');

    // A non-number is not posted as null.
    await own.getByLabel('Desired nodes of bobs').fill('many');
    t.equal(await own.locator('.field-error').textContent(), 'This must be a number.');
    t.ok(await own.getByRole('button', { name: 'Scale' }).isDisabled());

    await own.getByRole('button', { name: 'Registration token' }).click();
    const command = page.getByTestId('agent-command');
    await command.waitFor();
    const token = (await page.getByTestId('secret').textContent()) ?? '';
    t.equal(
      await command.textContent(),
      `BATCH_CONTROLLER_URL=${controller.url} BATCH_REGISTRATION_TOKEN=${token} batch-agent`,
      'the agent command line with the token',
    );
    await screenshot(page, 'registration-token');
    await page.getByRole('button', { name: 'I have copied it' }).click();
  });

  t.test('the Admin page says why, with no form', async (t) => {
    await visit(page, '/admin');
    await page.getByText('Only an admin can manage users').waitFor();
    t.equal(await page.getByLabel('New user').count(), 0, 'no New user form');
    t.equal(
      await page.getByRole('navigation').getByRole('link', { name: 'Admin' }).count(),
      0,
      'not in the navigation',
    );
    await page.getByRole('link', { name: 'Your own API tokens are on the Tokens page.' }).click();
    await page.getByRole('heading', { name: 'Your API tokens' }).waitFor();
  });

  t.test('their own API tokens: listed, created, revoked', async (t) => {
    await visit(page, '/jobs');
    await page.getByRole('navigation').getByRole('link', { name: 'Tokens' }).click();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    t.equal(await rows.count(), 1, 'the token in use');
    await page.getByLabel('New token for you, named').fill('laptop');
    await page.getByRole('button', { name: 'Create' }).click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    const created = (await secret.textContent()) ?? '';
    const laptop = page.getByRole('row', { name: /laptop/ });
    await laptop.waitFor();
    t.same(await new BatchClient({ url: controller.url, token: created }).listTokens().then((l) => l.items.length), 2);
    t.same(await seriousAxeViolations(page), [], 'the Tokens page passes axe-core');
    await screenshot(page, 'own-tokens');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await laptop.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: /^Yes/ }).click();
    await laptop.waitFor({ state: 'detached' });
    t.notOk(
      (await asBob.listTokens()).items.some((tok) => tok.name === 'laptop'),
      'revoked',
    );
  });

  t.test('no uncaught error', async (t) => {
    t.same(problems, []);
  });
});
