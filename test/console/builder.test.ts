/**
 * The builder as a new user meets it: added tasks land in view and a blank one opens its panel, a
 * cycle is refused when drawn, numbers are checked in the form, Delete removes the selected edge,
 * and the job being built survives Back and reload until "New job" or a submit empties it.
 */
import t from 'tap';
import { browserTestsUnavailable, launchBrowser, openConsole, screenshot, signIn, visit } from './browser.js';
import { startConsoleCluster } from './console-cluster.js';

const unavailable = browserTestsUnavailable();
t.setTimeout(300_000);

t.test(
  'the builder keeps the job being built, and refuses what cannot be posted',
  { skip: unavailable ?? false },
  async (t) => {
    const { controller, client } = await startConsoleCluster(t, 1);
    const browser = await launchBrowser(t);
    const { page, problems } = await openConsole(browser, controller.url);
    await signIn(page, controller.token);
    await visit(page, '/builder');
    const boxes = page.locator('.react-flow__node');
    const submit = page.getByRole('button', { name: 'Submit the job' });

    t.test('added tasks are in view, and a blank one opens its panel', async (t) => {
      const blank = page.getByRole('button', { name: 'Add a task without a template' });
      t.ok(
        await blank.evaluate(
          (b) =>
            b.scrollWidth <= b.clientWidth &&
            b.getBoundingClientRect().right <= b.parentElement!.getBoundingClientRect().right,
        ),
        'the palette button is whole',
      );
      for (let i = 0; i < 7; i++) await page.getByRole('button', { name: 'Add a task without a template' }).click();
      await page.getByRole('heading', { name: 'Edit task task-7' }).waitFor();
      t.pass("the last task's panel is open");
      const canvas = (await page.getByTestId('builder-canvas').boundingBox())!;
      // The view is fitted a moment after the add.
      await page.waitForFunction(() => {
        const canvas = document.querySelector('[data-testid="builder-canvas"]')!.getBoundingClientRect();
        return [...document.querySelectorAll('.react-flow__node')].every((node) => {
          const box = node.getBoundingClientRect();
          return box.left >= canvas.left && box.right <= canvas.right && box.bottom <= canvas.bottom;
        });
      });
      for (const box of await Promise.all((await boxes.all()).map((b) => b.boundingBox()))) {
        t.ok(box!.x >= canvas.x && box!.x + box!.width <= canvas.x + canvas.width, 'a box inside the canvas');
      }
    });

    t.test('a connection that would make a cycle is refused when it is made', async (t) => {
      const connect = async (from: string, to: string) => {
        await page.getByLabel('First', { exact: true }).selectOption({ label: from });
        await page.getByLabel('Then', { exact: true }).selectOption({ label: to });
        await page.getByRole('button', { name: 'Connect' }).click();
      };
      await connect('task', 'task-2');
      await connect('task-2', 'task-3');
      await connect('task-3', 'task');
      const alert = page.locator('.canvas-error');
      await alert.waitFor();
      t.equal(
        await alert.textContent(),
        'Not connected: task-3 → task would make a cycle (task already leads to task-3).',
      );
      t.equal(await page.locator('.react-flow__edge').count(), 2, 'no back edge drawn');
      await screenshot(page, 'builder-cycle-refused');
    });

    t.test('Delete removes the selected edge', async (t) => {
      await page.getByRole('button', { name: 'Dependency task-2 → task-3' }).click();
      await page.getByRole('group', { name: 'Dependency task-2 → task-3' }).waitFor();
      await page.keyboard.press('Delete');
      await page.getByRole('button', { name: 'Dependency task-2 → task-3' }).waitFor({ state: 'detached' });
      t.equal(await page.locator('.react-flow__edge').count(), 1);
      // Side by side as added, the boxes leave room for the remaining edge's label between them.
      const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
      const [first, second, label] = await Promise.all([
        box('.react-flow__node[data-id="t1"]'),
        box('.react-flow__node[data-id="t2"]'),
        box('.react-flow__edge-text'),
      ]);
      t.ok(
        first.x + first.width <= label.x && label.x + label.width <= second.x,
        'the edge label is between the boxes',
      );
    });

    t.test('numbers are checked in the form, not posted as strings', async (t) => {
      await page.getByRole('button', { name: 'Edit task task-2' }).click();
      await page.getByLabel('Instances', { exact: true }).fill('abc');
      t.equal(await page.locator('.field-instances .field-error').textContent(), 'This must be a number.');
      t.match(await page.locator('.task-box.invalid').textContent(), 'This must be a number.', 'on its box');
      t.ok(await submit.isDisabled(), 'nothing to post');
      await page.getByLabel('Instances', { exact: true }).fill('2');
      await page.getByLabel('Priority').fill('high');
      t.equal(await page.locator('.job-fields .field-error').textContent(), 'This must be a number.');
      t.ok(await submit.isDisabled());
      await page.getByLabel('Priority').fill('5');
      t.ok(await submit.isEnabled());
    });

    t.test('the job being built survives Back and reload', async (t) => {
      await page.getByLabel('Job name').fill('kept');
      await visit(page, '/jobs');
      await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
      await page.goBack();
      await page.getByLabel('Job name').and(page.locator('[value="kept"]')).waitFor();
      t.equal(await boxes.count(), 7, 'after Back');
      await page.reload();
      await page.getByLabel('Job name').and(page.locator('[value="kept"]')).waitFor();
      t.equal(await boxes.count(), 7, 'after a reload');
      t.equal(await page.getByLabel('Priority').inputValue(), '5');
      t.match(
        await page.getByTestId('spec-preview').textContent(),
        /"name": "task-2",\s+"instances": 2,\s+"dependsOn": \[\s+"task"\s+\]/,
      );
      t.equal(await page.locator('.react-flow__edge').count(), 1, 'with its edge');

      await page.getByRole('button', { name: 'New job' }).click();
      await boxes.first().waitFor({ state: 'detached' });
      t.equal(await page.getByLabel('Job name').inputValue(), '', '"New job" empties the builder');
      await page.reload();
      await page.getByRole('heading', { name: 'Job builder' }).waitFor();
      t.equal(await boxes.count(), 0, 'and the saved draft');
    });

    t.test('a submitted job leaves an empty builder', async (t) => {
      await page.getByLabel('Job name').fill('sent');
      await page.getByRole('button', { name: 'Add a task without a template' }).click();
      await page.getByLabel('Command', { exact: true }).fill('true');
      await submit.click();
      await page.locator('.page-title .badge').waitFor();
      t.ok(
        (await client.listJobs()).items.some((j) => j.name === 'sent'),
        'submitted',
      );
      t.equal(await page.evaluate(() => sessionStorage.getItem('batch.builder.draft')), null, 'the draft is gone');
      await visit(page, '/builder');
      await page.getByRole('heading', { name: 'Job builder' }).waitFor();
      t.equal(await boxes.count(), 0);
    });

    t.test('no uncaught error', async (t) => {
      t.same(problems, []);
    });
  },
);
