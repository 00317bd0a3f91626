/**
 * install-linux.sh into a temporary root (DESTDIR): the files and the systemd unit it writes,
 * that it is idempotent, --check, --uninstall; and `systemd-analyze verify` on the unit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tmpDir } from '../support/tmp.js';
import { FAKE_VERSION, parseKeyValues, writeFakeAgent } from './fake-agent.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const INSTALLER = path.join(ROOT, 'installers/install-linux.sh');

function install(destdir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync('/bin/sh', [INSTALLER, ...args], {
    env: { PATH: process.env.PATH, DESTDIR: destdir, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

t.test('installs /batch and a systemd unit under DESTDIR, idempotently', async (t) => {
  const root = tmpDir(t, 'batch-destdir-');
  const binary = writeFakeAgent(tmpDir(t, 'batch-bin-'));
  const first = install(root, [
    '--binary',
    binary,
    '--controller-url',
    'https://batch.example:8443',
    '--registration-token',
    'reg_one',
    '--labels',
    'zone=a',
  ]);
  t.equal(first.status, 0, first.status === 0 ? 'exit 0' : first.out);
  t.match(first.out, `installed ${FAKE_VERSION} in ${root}/batch`);
  t.notMatch(first.out, 'systemctl', 'no systemctl under DESTDIR');

  const dir = path.join(root, 'batch');
  t.equal(readFileSync(path.join(dir, 'batch-agent'), 'utf8'), readFileSync(binary, 'utf8'), 'the binary is copied');
  t.equal(mode(path.join(dir, 'batch-agent')), '755');
  t.equal(
    readFileSync(path.join(dir, 'start_agent.sh'), 'utf8'),
    readFileSync(path.join(ROOT, 'installers/start_agent.sh'), 'utf8'),
  );
  t.equal(mode(path.join(dir, 'start_agent.sh')), '755');
  t.ok(
    existsSync(path.join(dir, 'install-linux.sh')),
    'the installer is kept for --uninstall and the first-boot bootstrap',
  );
  t.ok(existsSync(path.join(dir, 'logs')), 'the log folder exists');
  const conf = path.join(dir, 'agent.conf');
  t.equal(mode(conf), '600', 'agent.conf: root only');
  t.same(parseKeyValues(readFileSync(conf, 'utf8')), {
    BATCH_CONTROLLER_URL: 'https://batch.example:8443',
    BATCH_NODE_LABELS: 'zone=a',
    BATCH_REGISTRATION_TOKEN_FILE: '/batch/registration-token',
  });
  const tokenFile = path.join(dir, 'registration-token');
  t.equal(readFileSync(tokenFile, 'utf8'), 'reg_one\n', 'the token is in a file of its own, not in the environment');
  t.equal(mode(tokenFile), '600');

  const unitFile = path.join(root, 'etc/systemd/system/batch-agent.service');
  const unit = readFileSync(unitFile, 'utf8');
  t.equal(mode(unitFile), '644');
  for (const line of [
    'ExecStart=/batch/start_agent.sh',
    'WorkingDirectory=/batch',
    'User=root',
    'Restart=on-failure',
    'RestartPreventExitStatus=2 3',
    'StartLimitIntervalSec=0',
    'KillMode=mixed',
    'OOMPolicy=continue',
    'After=network-online.target',
    'WantedBy=multi-user.target',
  ]) {
    t.match(unit, new RegExp(`^${line.replace(/[.]/g, '\\.')}$`, 'm'), line);
  }
  t.notMatch(unit, '@PREFIX@', 'every placeholder is filled in');

  const before = readFileSync(unitFile, 'utf8');
  const again = install(root, ['--binary', binary, '--registration-token', 'reg_two']);
  t.equal(again.status, 0, again.status === 0 ? 'exit 0' : again.out);
  t.equal(readFileSync(unitFile, 'utf8'), before, 'the unit is the same');
  t.same(
    parseKeyValues(readFileSync(conf, 'utf8')),
    {
      BATCH_CONTROLLER_URL: 'https://batch.example:8443',
      BATCH_NODE_LABELS: 'zone=a',
      BATCH_REGISTRATION_TOKEN_FILE: '/batch/registration-token',
    },
    'a setting given again replaces its line; the others stay',
  );
  t.equal(readFileSync(conf, 'utf8').match(/^BATCH_REGISTRATION_TOKEN_FILE=/gm)?.length, 1, 'no duplicate lines');
  t.equal(readFileSync(tokenFile, 'utf8'), 'reg_two\n', 'a new token replaces the old one');

  const fromImage = spawnSync('/bin/sh', [path.join(dir, 'install-linux.sh'), '--no-start'], {
    env: { PATH: process.env.PATH, DESTDIR: root },
    encoding: 'utf8',
  });
  t.equal(fromImage.status, 0, `the copy in /batch runs from there too: ${fromImage.stdout}${fromImage.stderr}`);
  t.equal(readFileSync(unitFile, 'utf8'), before);

  const check = install(root, ['--check']);
  t.equal(check.status, 0, check.status === 0 ? 'exit 0' : check.out);
  t.match(check.out, /is ready to snapshot/);
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data/node.json'), '{}');
  const baked = install(root, ['--check']);
  t.equal(baked.status, 1, 'a node credential must not be baked into an image');
  t.match(baked.out, /REMOVE BEFORE SNAPSHOT: .*node\.json/);

  const removed = install(root, ['--uninstall']);
  t.equal(removed.status, 0, removed.status === 0 ? 'exit 0' : removed.out);
  t.notOk(existsSync(unitFile), 'the unit is removed');
  t.notOk(existsSync(path.join(dir, 'batch-agent')), 'the binary is removed');
  t.ok(existsSync(conf), 'configuration and data are kept without --purge');
  t.ok(existsSync(path.join(dir, 'data/node.json')));
  const purged = install(root, ['--uninstall', '--purge']);
  t.equal(purged.status, 0, purged.status === 0 ? 'exit 0' : purged.out);
  t.notOk(existsSync(dir), '--purge removes the folder');
});

t.test('BATCH_PREFIX installs elsewhere; bad arguments are refused', async (t) => {
  const root = tmpDir(t, 'batch-destdir-');
  const binary = writeFakeAgent(tmpDir(t, 'batch-bin-'));
  const result = install(root, ['--binary', binary], { BATCH_PREFIX: '/opt/batch' });
  t.equal(result.status, 0, result.status === 0 ? 'exit 0' : result.out);
  t.match(
    readFileSync(path.join(root, 'etc/systemd/system/batch-agent.service'), 'utf8'),
    /^ExecStart=\/opt\/batch\/start_agent\.sh$/m,
  );
  t.ok(existsSync(path.join(root, 'opt/batch/batch-agent')));

  const unknown = install(root, ['--frobnicate']);
  t.equal(unknown.status, 1);
  t.match(unknown.out, /unknown argument --frobnicate/);
  const noBinary = install(tmpDir(t, 'batch-destdir-'), ['--binary', '/nonexistent/batch-agent']);
  t.equal(noBinary.status, 1);
  t.match(noBinary.out, /no batch-agent binary/);
  const help = install(root, ['--help']);
  t.equal(help.status, 0);
  t.match(help.out, /--uninstall \[--purge\]/);
});

const noAnalyze = spawnSync('systemd-analyze', ['--version']).error !== undefined;
if (noAnalyze && process.env.CI === 'true') t.fail('systemd-analyze is not installed; .ci/run installs systemd');
t.test(
  'systemd-analyze verify accepts the unit',
  { skip: noAnalyze ? 'systemd-analyze is not installed (package systemd)' : false },
  async (t) => {
    const root = tmpDir(t, 'batch-destdir-');
    const binary = writeFakeAgent(tmpDir(t, 'batch-bin-'));
    t.equal(install(root, ['--binary', binary]).status, 0);
    // verify checks that ExecStart exists and is executable, so the copy it checks points into the
    // temporary root; everything else is the unit as installed
    const unit = readFileSync(path.join(root, 'etc/systemd/system/batch-agent.service'), 'utf8').replaceAll(
      '/batch',
      path.join(root, 'batch'),
    );
    const verify = (text: string) => {
      const dir = tmpDir(t, 'batch-unit-');
      writeFileSync(path.join(dir, 'batch-agent.service'), text);
      const result = spawnSync('systemd-analyze', ['verify', path.join(dir, 'batch-agent.service')], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
    };
    t.same(verify(unit), { status: 0, out: '' }, 'no error and no warning');
    t.match(
      verify(unit.replace('KillMode=mixed', 'KillMode=mixed\nKilMode=process')).out,
      /Unknown key .*KilMode/,
      'the check would see a misspelt key',
    );
  },
);
