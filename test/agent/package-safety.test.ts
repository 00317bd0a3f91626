/**
 * A corpus of malicious packages, each served to the real agent as a task package. Every one must
 * fail its attempt with PACKAGE_ERROR naming the entry and the rule, before the command runs, and
 * nothing may be written outside the work dir — not even the harmless entries that come first.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { workDirOf } from '../../agent/workdir.js';
import { tmpDir } from '../support/tmp.js';
import { startAgent } from './agent-process.js';
import { FakeController, startAttempt } from './fake-controller.js';
import { ObjectServer, sha256Of } from './object-server.js';
import { S_IFIFO, S_IFLNK, S_IFREG, writeZip, type ZipEntrySpec } from './zips.js';

const MAX_BYTES = 10 * 1024 * 1024;
const MAX_ENTRIES = 100;
const MIB = 1024 * 1024;

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = join(dir, e.name);
    return n + (e.isDirectory() ? bytesUnder(p) : statSync(p).size);
  }, 0);
}

t.test('malicious packages fail with PACKAGE_ERROR and write nothing outside the work dir', async (t) => {
  const controller = await FakeController.start(t);
  const objects = await ObjectServer.start(t);
  const dir = tmpDir(t);
  const scratch = tmpDir(t);
  const outside = join(scratch, 'outside');
  mkdirSync(outside);
  const tag = randomBytes(4).toString('hex');
  startAgent(t, {
    controllerUrl: controller.url,
    dir,
    registrationToken: 'tok',
    env: { BATCH_PACKAGE_MAX_BYTES: String(MAX_BYTES), BATCH_PACKAGE_MAX_ENTRIES: String(MAX_ENTRIES) },
  });
  const conn = await controller.connection(0);
  const decoy: ZipEntrySpec = { name: 'ok.txt', text: 'written only if the whole zip is safe' };
  let nextId = 100;

  /** Runs one package; returns the work dir and the final status after the common checks. */
  async function refused(t: TapTest, name: string, zip: Buffer, rule: string | RegExp) {
    const id = nextId++;
    const source = `oss://evil-bucket/${name}.zip`;
    const url = objects.put(`/pkg/${name}.zip`, zip);
    const jobId = `j-${name}`;
    conn.send(
      startAttempt(id, 'touch command-ran', {
        jobId,
        package: { source, url, digest: sha256Of(zip), size: zip.byteLength },
      }),
    );
    const final = await conn.waitForFinal(id, 30_000);
    t.match(final, { state: 'FAILED', failureReason: 'PACKAGE_ERROR', exitCode: null }, 'PACKAGE_ERROR');
    t.match(final.message, rule, 'the message names the entry and the rule');
    t.match(final.message, source, 'and the package');
    t.equal(conn.statuses(id).length, 1, 'never RUNNING: the command did not start');
    t.match(
      conn.output(id, 'stderr'),
      `[batch] PACKAGE_ERROR: ${final.message}`,
      'the user sees why in the attempt stderr',
    );
    const workDir = workDirOf(dir, { jobId, taskName: 'work', index: 0, attempt: 1 });
    t.notOk(existsSync(join(workDir, 'ok.txt')), 'not even the safe entries before the bad one were written');
    t.notOk(existsSync(join(workDir, 'command-ran')), 'the command did not run');
    return workDir;
  }

  t.test('zip slip ../../evil', async (t) => {
    const evil = `../../evil-${tag}`;
    const workDir = await refused(
      t,
      'slip',
      writeZip(join(scratch, 'slip.zip'), [decoy, { name: evil, text: 'x' }]),
      `entry "${evil}" would be written outside the work dir`,
    );
    t.notOk(existsSync(join(workDir, evil)), `${join(workDir, evil)} does not exist`);
  });

  t.test('zip slip with backslashes ..\\..\\evil', async (t) => {
    const evil = `..\\..\\evil-bs-${tag}`;
    const workDir = await refused(
      t,
      'slip-bs',
      writeZip(join(scratch, 'slip-bs.zip'), [decoy, { name: evil, text: 'x' }]),
      'would be written outside the work dir',
    );
    t.notOk(existsSync(join(workDir, '..', '..', `evil-bs-${tag}`)));
  });

  t.test('absolute /tmp/evil', async (t) => {
    const evil = `/tmp/batch-evil-${tag}`;
    await refused(
      t,
      'absolute',
      writeZip(join(scratch, 'abs.zip'), [decoy, { name: evil, text: 'x' }]),
      `entry "${evil}" is an absolute path`,
    );
    t.notOk(existsSync(evil), `${evil} does not exist`);
  });

  t.test('drive letter C:\\evil', async (t) => {
    const workDir = await refused(
      t,
      'drive',
      writeZip(join(scratch, 'drive.zip'), [decoy, { name: `C:\\evil-${tag}` }]),
      'has a drive letter',
    );
    t.same(readdirSync(workDir), [], 'the work dir is empty');
  });

  t.test('UNC \\\\server\\share\\evil', async (t) => {
    const name = `\\\\server-${tag}\\share\\evil`;
    const workDir = await refused(t, 'unc', writeZip(join(scratch, 'unc.zip'), [decoy, { name }]), 'is a UNC path');
    t.notOk(existsSync(`/server-${tag}`), 'nothing under /server');
    t.same(readdirSync(workDir), []);
  });

  t.test('a symlink entry, and a file written through it', async (t) => {
    const zip = writeZip(join(scratch, 'link.zip'), [
      decoy,
      { name: 'link', text: outside, mode: S_IFLNK | 0o777 },
      { name: `link/evil-${tag}`, text: 'x' },
    ]);
    const workDir = await refused(t, 'symlink', zip, 'entry "link" is a symbolic link');
    t.same(readdirSync(outside), [], 'nothing was written where the link pointed');
    t.notOk(existsSync(join(workDir, 'link')), 'no link was created');
  });

  t.test('a fifo entry', async (t) => {
    await refused(
      t,
      'fifo',
      writeZip(join(scratch, 'fifo.zip'), [decoy, { name: 'pipe', mode: S_IFIFO | 0o644 }]),
      'entry "pipe" is a fifo, not a regular file or directory',
    );
  });

  t.test('too many entries', async (t) => {
    const entries = Array.from({ length: MAX_ENTRIES + 1 }, (_, i) => ({ name: `f/${i}.txt`, text: String(i) }));
    const workDir = await refused(
      t,
      'many',
      writeZip(join(scratch, 'many.zip'), entries),
      `has ${MAX_ENTRIES + 1} entries, more than the limit of ${MAX_ENTRIES} (--package-max-entries)`,
    );
    t.same(readdirSync(workDir), []);
  });

  t.test('a zip bomb over the byte limit', async (t) => {
    const zip = writeZip(join(scratch, 'bomb.zip'), [decoy, { name: 'zeros.bin', zeros: 5 * MAX_BYTES }]);
    t.ok(zip.byteLength < MIB, `${zip.byteLength} bytes unpack to ${5 * MAX_BYTES}`);
    const workDir = await refused(t, 'bomb', zip, 'unpacks to more than the limit of 10.0 MiB (--package-max-bytes)');
    t.equal(bytesUnder(workDir), 0, 'refused from the declared sizes, before writing');
  });

  t.test('a zip bomb that lies about its size', async (t) => {
    const zip = writeZip(join(scratch, 'liar.zip'), [{ name: 'zeros.bin', zeros: 5 * MAX_BYTES, declaredSize: 1000 }]);
    const workDir = await refused(t, 'liar', zip, /entry "zeros\.bin" cannot be unpacked: too many bytes/);
    t.ok(bytesUnder(workDir) < MAX_BYTES, `the work dir holds ${bytesUnder(workDir)} bytes, less than the limit`);
    t.notOk(existsSync(join(workDir, 'zeros.bin')), 'the partial file is removed');
  });

  t.test('not a zip at all', async (t) => {
    await refused(t, 'garbage', randomBytes(4096), 'is not a readable zip');
  });

  t.test('a safe package within the limits unpacks, with its executable bit', async (t) => {
    const zip = writeZip(join(scratch, 'good.zip'), [
      { name: 'bin/', mode: 0o040755 },
      { name: 'bin/run.sh', text: '#!/bin/sh\necho "ran $(cat data/hello.txt)"\n', mode: S_IFREG | 0o755 },
      { name: 'data/hello.txt', text: 'safely' },
      { name: 'zeros.bin', zeros: MAX_BYTES - 100 },
    ]);
    const url = objects.put('/pkg/good.zip', zip);
    conn.send(
      startAttempt(99, './bin/run.sh', {
        jobId: 'j-good',
        package: { source: 'oss://b/good.zip', url, digest: sha256Of(zip), size: zip.byteLength },
      }),
    );
    t.match(await conn.waitForFinal(99, 30_000), { state: 'SUCCEEDED' });
    t.equal(conn.output(99), 'ran safely\n');
    t.match(
      conn.output(99, 'stderr'),
      /\[batch\] package oss:\/\/b\/good\.zip: downloaded .*, sha256 ok, 3 files unpacked/,
    );
  });
});
