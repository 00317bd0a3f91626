/** docs/cli.md cannot fall behind the program: every verb and every exit code is in it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { EXIT } from '../../cli/errors.js';
import { createProgram } from '../../cli/program.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)), 'utf8');

t.test('every verb of batchctl is documented in docs/cli.md', async (t) => {
  const lines = doc.split('\n');
  for (const command of createProgram().commands) {
    const verb = command.name();
    t.ok(doc.includes(`batchctl ${verb}`) || doc.includes(`\`${verb}`), verb);
    for (const sub of command.commands.map((c) => c.name())) {
      // "users quotas" in a sentence, or a row of the verb's group that names the subcommand
      const inRow = lines.some((line) => line.includes(`\`${verb} `) && new RegExp(`\\b${sub}\\b`).test(line));
      t.ok(doc.includes(`${verb} ${sub}`) || inRow, `${verb} ${sub}`);
    }
  }
});

t.test('the exit-code table lists every code the CLI uses', async (t) => {
  for (const code of new Set([0, ...Object.values(EXIT)]))
    t.match(doc, new RegExp(`\\n\\| ${code} +\\| `), `exit ${code}`);
});
