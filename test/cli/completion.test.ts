import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createProgram } from '../../cli/program.js';
import { completionTree } from '../../cli/completion.js';
import { runBatchctl } from '../support/batchctl.js';

/** What bash completes for the words typed (the last one being completed), with the script sourced. */
function bashCompletes(script: string, words: string[]): string[] {
  const program = `
${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_batchctl_complete
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bash failed: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

t.test('the bash script completes verbs, nested verbs, flags and flag choices', async (t) => {
  const printed = await runBatchctl(['completion', 'bash']);
  t.equal(printed.code, 0, printed.stderr);
  const script = printed.stdout;
  t.same(bashCompletes(script, ['batchctl', 'su']), ['submit']);
  t.same(bashCompletes(script, ['batchctl', 'to']), ['tokens']);
  t.same(bashCompletes(script, ['batchctl', 'tokens', '']), ['create', 'list', 'revoke']);
  t.same(bashCompletes(script, ['batchctl', 'users', 'q']), ['quotas']);
  t.same(bashCompletes(script, ['batchctl', 'jobs', '--st']), ['--state']);
  t.same(bashCompletes(script, ['batchctl', '-o', 'json', 'instances', '--att']), ['--attempts'], 'after global flags');
  t.same(bashCompletes(script, ['batchctl', 'jobs', '-o', 'w']), ['wide']);
  t.same(bashCompletes(script, ['batchctl', 'stop', 'j-1', '--wa']), [], 'stop has no --wait');
  t.same(bashCompletes(script, ['batchctl', 'submit', '--wa']), ['--wait']);
});

t.test('the scripts come from the program: every verb and flag it defines, and nothing else', async (t) => {
  const tree = completionTree(createProgram());
  const root = tree.find((n) => n.path === '')!;
  t.same(
    root.verbs,
    createProgram().commands.map((c) => c.name()),
  );
  t.ok(tree.some((n) => n.path === 'users quotas'));
  t.ok(tree.find((n) => n.path === 'jobs')!.flags.includes('--watch'));
  for (const shell of ['zsh', 'powershell']) {
    const printed = await runBatchctl(['completion', shell]);
    t.equal(printed.code, 0, printed.stderr);
    t.match(printed.stdout, /users quotas/, `${shell}: nested verbs`);
    t.match(printed.stdout, /--attempts/, `${shell}: flags`);
  }
  const zsh = await runBatchctl(['completion', 'zsh']);
  t.match(zsh.stdout, /^#compdef batchctl\n/);
  const bad = await runBatchctl(['completion', 'fish']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /Allowed choices are bash, zsh, powershell/);
});
