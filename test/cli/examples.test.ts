import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkJobSpec, parseOrThrow, templateSpecSchema, type TemplateSpec } from '../../protocol/spec.js';
import { EXAMPLES } from '../support/batchctl.js';

async function example(name: string): Promise<unknown> {
  return parse(await readFile(join(EXAMPLES, name), 'utf8'));
}

t.test('examples/batch-hello.yaml is a valid template', async (t) => {
  const template = parseOrThrow(templateSpecSchema, await example('batch-hello.yaml'));
  t.equal(template.name, 'batch-hello');
  t.match(template.command, /\$GREETING.*\$BATCH_INSTANCE_INDEX/);
  t.same(template.env, { GREETING: 'hello' });
  t.equal(template.timeoutSeconds, 60);
  t.equal(template.retries, 1);
});

t.test('examples/helloworld.yaml resolves against the batch-hello template', async (t) => {
  const template = parseOrThrow(templateSpecSchema, await example('batch-hello.yaml'));
  const templates = new Map<string, TemplateSpec>([[template.name, template]]);
  const { spec, tasks } = checkJobSpec(await example('helloworld.yaml'), templates);
  t.equal(spec.name, 'helloworld');
  t.same(
    tasks.map((task) => [task.name, task.instances, task.dependsOn.map((d) => d.task)]),
    [
      ['hello', 2, []],
      ['goodbye', 1, ['hello']],
    ],
  );
  t.equal(tasks[0]!.command, template.command, 'hello takes its command from the template');
  t.same(tasks[0]!.env, { GREETING: 'hello' });
  const withoutTemplate = await example('helloworld.yaml');
  t.throws(() => checkJobSpec(withoutTemplate), { message: 'tasks[0].template: unknown template "batch-hello"' });
});

t.test('examples/dag.yaml is a chain of three tasks of 10 instances', async (t) => {
  const { tasks } = checkJobSpec(await example('dag.yaml'));
  t.same(
    tasks.map((task) => [task.name, task.instances, task.dependsOn]),
    [
      ['extract', 10, []],
      ['transform', 10, [{ task: 'extract', on: 'success', per: 'task' }]],
      ['load', 10, [{ task: 'transform', on: 'success', per: 'instance' }]],
    ],
  );
});

t.test('examples/long-running.yaml is four instances that sleep', async (t) => {
  const { tasks } = checkJobSpec(await example('long-running.yaml'));
  t.same(
    tasks.map((task) => [task.name, task.instances, task.command]),
    [['sleep', 4, 'sleep 600']],
  );
});
