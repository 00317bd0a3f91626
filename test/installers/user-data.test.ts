/**
 * The first-boot bootstraps for compute-environment providers: the Linux one run into a
 * temporary root (DESTDIR) on a baked image; both checked for the placeholders a provider fills.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tmpDir } from '../support/tmp.js';
import { parseKeyValues, writeFakeAgent } from './fake-agent.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LINUX_USER_DATA = path.join(ROOT, 'installers/user-data/linux-user-data.sh');
const WINDOWS_USER_DATA = path.join(ROOT, 'installers/user-data/windows-user-data.ps1');
const PLACEHOLDERS = ['__BATCH_CONTROLLER_URL__', '__BATCH_REGISTRATION_TOKEN__', '__BATCH_NODE_LABELS__'];

/** What a provider does: replace each placeholder. */
function render(template: string, values: Record<string, string>): string {
  return PLACEHOLDERS.reduce(
    (text, placeholder) => (placeholder in values ? text.replaceAll(placeholder, values[placeholder]!) : text),
    template,
  );
}

function runUserData(root: string, script: string) {
  const file = path.join(tmpDir(t, 'batch-user-data-'), 'user-data');
  writeFileSync(file, script, { mode: 0o755 });
  const result = spawnSync('/bin/sh', [file], {
    env: { PATH: process.env.PATH, DESTDIR: root },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const logFile = path.join(root, 'var/log/batch-agent-bootstrap.log');
  return { status: result.status, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
}

t.test('on a baked image, the Linux user data writes the node config and installs the unit', async (t) => {
  const root = tmpDir(t, 'batch-destdir-');
  const binary = writeFakeAgent(tmpDir(t, 'batch-bin-'));
  // the image: /batch baked with install-linux.sh --no-start, no controller, no token
  const baked = spawnSync(
    '/bin/sh',
    [path.join(ROOT, 'installers/install-linux.sh'), '--binary', binary, '--no-start'],
    {
      env: { PATH: process.env.PATH, DESTDIR: root },
      encoding: 'utf8',
    },
  );
  t.equal(baked.status, 0, baked.stderr);

  const template = readFileSync(LINUX_USER_DATA, 'utf8');
  t.match(template, /^#!\/bin\/sh\n/, 'cloud-init runs "#!" user data as a script');
  const boot = runUserData(
    root,
    render(template, {
      __BATCH_CONTROLLER_URL__: 'https://batch.example',
      __BATCH_REGISTRATION_TOKEN__: 'reg_first-boot',
      __BATCH_NODE_LABELS__: 'pool=render',
    }),
  );
  t.equal(boot.status, 0, boot.log);
  t.same(parseKeyValues(readFileSync(path.join(root, 'batch/agent.conf'), 'utf8')), {
    BATCH_CONTROLLER_URL: 'https://batch.example',
    BATCH_REGISTRATION_TOKEN_FILE: '/batch/registration-token',
    BATCH_NODE_LABELS: 'pool=render',
  });
  t.equal(
    readFileSync(path.join(root, 'batch/registration-token'), 'utf8'),
    'reg_first-boot\n',
    'the token, in its own file',
  );
  t.ok(existsSync(path.join(root, 'etc/systemd/system/batch-agent.service')));
  t.match(boot.log, /batch-agent bootstrap: done/);
  t.notMatch(boot.log, 'reg_first-boot', 'the token stays out of the bootstrap log');
});

t.test('the Linux user data refuses unfilled placeholders and a missing agent', async (t) => {
  const root = tmpDir(t, 'batch-destdir-');
  const template = readFileSync(LINUX_USER_DATA, 'utf8');
  const unfilled = runUserData(root, render(template, { __BATCH_CONTROLLER_URL__: 'https://batch.example' }));
  t.equal(unfilled.status, 1);
  t.match(unfilled.log, /a placeholder was not filled in: __BATCH_REGISTRATION_TOKEN__/);

  const plain = runUserData(
    root,
    render(template, { __BATCH_CONTROLLER_URL__: 'https://batch.example', __BATCH_REGISTRATION_TOKEN__: 'reg_x' }),
  );
  t.equal(plain.status, 1);
  t.match(plain.log, /\/batch\/batch-agent is not in this image and BATCH_AGENT_RELEASE_URL is not set/);
});

t.test('the Windows scripts: the same placeholders, CRLF line endings for cmd.exe', async (t) => {
  const windows = readFileSync(WINDOWS_USER_DATA, 'utf8');
  for (const placeholder of PLACEHOLDERS) t.match(windows, `'${placeholder}'`, `${placeholder} as a quoted literal`);
  t.match(windows, /^#ps1_sysnative\r\n/, 'cloudbase-init runs it with 64-bit PowerShell');
  for (const file of ['start_agent.cmd', 'install-windows.ps1', 'user-data/windows-user-data.ps1']) {
    const text = readFileSync(path.join(ROOT, 'installers', file), 'utf8');
    t.notMatch(text, /[^\r]\n/, `${file}: every line ends in CRLF (cmd.exe misreads labels in LF files)`);
  }
});
