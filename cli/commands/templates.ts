/** `templates create|list|show|delete`. */
import type { Command } from 'commander';
import { ApiRequestError, collectAll, type TemplateSpec } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { readSpecFile } from '../spec-file.js';

export function registerTemplates(program: Command): void {
  const templates = program
    .command('templates')
    .description('reusable task definitions a job task can name with `template`');

  templates
    .command('create')
    .description('create a template from a YAML or JSON file (fails if the name exists, unless --replace)')
    .requiredOption('-f, --file <FILE>', 'the template spec, YAML or JSON; "-" reads stdin')
    .option('--replace', 'replace the template if one of that name exists')
    .action(async (options: { file: string; replace?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      // The controller validates the spec and names the field of any problem.
      const spec = (await readSpecFile(options.file)) as unknown as TemplateSpec;
      let verb = 'created';
      let template;
      try {
        template = await ctx.api.createTemplate(spec);
      } catch (error) {
        if (!(options.replace && error instanceof ApiRequestError && error.status === 409)) throw error;
        if (typeof spec.name !== 'string') throw new UsageError('the template file has no name to replace');
        template = await ctx.api.replaceTemplate(spec.name, spec);
        verb = 'replaced';
      }
      await ctx.show(
        template,
        () => `${verb} template ${template.name}`,
        (t) => [t.name],
      );
    });

  templates
    .command('list')
    .description('list templates')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const page = await collectAll((cursor) => ctx.api.listTemplates({ cursor }));
      const { templatesTable } = await import('../views/templates.js'); // with yaml: loaded when used
      await ctx.show(
        page,
        () => templatesTable(page.items),
        (p) => p.items.map((t) => t.name),
      );
    });

  templates
    .command('show')
    .description('print a template as YAML (a file `templates create --replace` accepts back)')
    .argument('<NAME>', 'template name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const template = await ctx.api.getTemplate(name);
      const { templateView } = await import('../views/templates.js');
      await ctx.show(
        template,
        () => templateView(template),
        (t) => [t.name],
      );
    });

  templates
    .command('delete')
    .description('delete a template (jobs already submitted keep what they resolved)')
    .argument('<NAME>', 'template name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.api.deleteTemplate(name);
      ctx.done(`deleted template ${name}`, name);
    });
}
