/**
 * Mounts for real where the sandbox allows: a loop device stands in for a cloud disk (format when
 * empty, mount, write, unmount, mount again read-only), mounts that cannot work fail with the
 * command's own stderr, and a restarted agent unmounts what a killed one left. oss mounts run a
 * fake `s3fs` found first on PATH, which records how it was called and what its key file held.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sharedTmpDir, tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { FakeController, startAttempt, type FakeConnection } from './fake-controller.js';

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

const isRoot = process.getuid?.() === 0;
const tag = randomBytes(4).toString('hex');

function isMounted(target: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === target);
}

/** A fresh empty image attached to a loop device; detached in teardown. */
function loopDevice(t: TapTest, dir: string): string {
  const image = join(dir, 'disk.img');
  writeFileSync(image, '');
  execFileSync('truncate', ['-s', '32M', image]);
  const attach = spawnSync('losetup', ['--find', '--show', image], { encoding: 'utf8' });
  if (attach.status !== 0) throw new Error(`losetup: ${attach.stderr.trim() || attach.error?.message}`);
  const device = attach.stdout.trim();
  t.teardown(() => {
    spawnSync('losetup', ['-d', device]);
  });
  return device;
}

/** Why this sandbox cannot mount a loop device (the kernel may refuse), or false when it can. */
function noLoopMounts(): string | false {
  if (!isRoot) return 'mounting needs root';
  const dir = mkdtempSync(join(tmpdir(), 'batch-loop-probe-'));
  try {
    const image = join(dir, 'probe.img');
    writeFileSync(image, '');
    execFileSync('truncate', ['-s', '8M', image]);
    const attach = spawnSync('losetup', ['--find', '--show', image], { encoding: 'utf8' });
    if (attach.status !== 0) return `no loop devices here: losetup: ${attach.stderr.trim() || attach.error?.message}`;
    spawnSync('losetup', ['-d', attach.stdout.trim()]);
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const noLoop = noLoopMounts();
const noRoot = isRoot ? false : 'mounting needs root';

/** What `argv` prints on stderr when run here, to compare with what the agent reports. */
function stderrOf(argv: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr.trim() };
}

async function setup(
  t: TapTest,
  env: Record<string, string> = {},
): Promise<{ conn: FakeConnection; agent: AgentProcess; dir: string; controller: FakeController }> {
  const controller = await FakeController.start(t);
  const dir = tmpDir(t);
  // The node lends its loop devices to tasks (a node lends no block device unless told).
  const agent = startAgent(t, {
    controllerUrl: controller.url,
    dir,
    registrationToken: 'tok',
    env: { BATCH_DISK_DEVICES: '/dev/loop*', ...env },
  });
  const conn = await controller.connection(0);
  await agent.waitForLog('connected to');
  return { conn, agent, dir, controller };
}

t.test(
  'a disk is formatted when empty, mounted for the command, unmounted after, and keeps its data',
  { skip: noLoop },
  async (t) => {
    const scratch = sharedTmpDir(t);
    const device = loopDevice(t, scratch);
    const { conn, dir } = await setup(t);
    const target = join(scratch, 'mnt', 'data');
    const disk = { type: 'disk' as const, source: device, target, formatIfEmpty: true };

    conn.send(
      startAttempt(1, `echo persisted > ${target}/hello.txt && grep -c " ${target} " /proc/mounts`, { mounts: [disk] }),
    );
    t.match(await conn.waitForFinal(1, 60_000), { state: 'SUCCEEDED' });
    t.equal(conn.output(1), '1\n', 'the disk was mounted while the command ran');
    t.equal(
      conn.output(1, 'stderr'),
      [
        `${device} holds no file system; mkfs -t ext4 ${device}`,
        `mount disk ${device} -> ${target}`,
        `unmount ${target}`,
      ]
        .map((l) => `[batch] ${l}\n`)
        .join(''),
    );
    t.notOk(isMounted(target), 'unmounted after the command');
    t.notOk(existsSync(target), 'the target the agent created is removed again');
    t.same(readdirSync(join(dir, 'mounts')), [], 'no mount record left');

    conn.send(
      startAttempt(2, `cat ${target}/hello.txt; touch ${target}/x 2>/dev/null || echo read-only`, {
        jobId: 'j-again',
        mounts: [{ ...disk, readOnly: true }],
      }),
    );
    t.match(await conn.waitForFinal(2, 60_000), { state: 'SUCCEEDED' });
    t.equal(conn.output(2), 'persisted\nread-only\n', 'the file written before is in the image; readOnly holds');
    t.notMatch(conn.output(2, 'stderr'), 'mkfs', 'a disk with a file system is not formatted again');
    t.notOk(isMounted(target));
  },
);

t.test(
  'a mount that fails is MOUNT_ERROR with the command’s own stderr; the command never runs',
  { skip: noRoot },
  async (t) => {
    const scratch = sharedTmpDir(t);
    const { conn, dir } = await setup(t, { BATCH_DISK_DEVICES: '/dev/loop*,/dev/batch-missing-*' });

    // A device the node does not lend is refused before anything is tried, and not retried.
    conn.send(
      startAttempt(5, 'touch ran', {
        jobId: 'j-5',
        mounts: [{ type: 'disk', source: '/dev/sda', target: join(scratch, 'sda') }],
      }),
    );
    const refused = await conn.waitForFinal(5, 60_000);
    t.match(refused, { state: 'FAILED', failureReason: 'MOUNT_ERROR', retryable: false });
    t.match(refused.message, /device \/dev\/sda is not one this node lends to tasks .*\/dev\/loop\*/);

    const cases = [
      { id: 3, mount: { type: 'disk' as const, source: `/dev/batch-missing-${tag}`, target: join(scratch, 'disk') } },
      {
        id: 4,
        mount: { type: 'cfs' as const, source: '127.0.0.1:/batch-no-such-export', target: join(scratch, 'cfs') },
      },
    ];
    for (const { id, mount } of cases) {
      // the same command by hand, for the exact text the user should see
      mkdirSync(mount.target);
      const argv =
        mount.type === 'cfs'
          ? ['mount', '-t', 'nfs', mount.source, mount.target]
          : ['mount', mount.source, mount.target];
      const expected = stderrOf(argv);
      rmSync(mount.target, { recursive: true });
      if (expected.status === 0) {
        spawnSync('umount', [mount.target]);
        t.comment(`not checked: ${argv.join(' ')} unexpectedly works here`);
        continue;
      }
      conn.send(startAttempt(id, 'touch ran', { jobId: `j-${id}`, mounts: [mount] }));
      const final = await conn.waitForFinal(id, 60_000);
      t.match(final, { state: 'FAILED', failureReason: 'MOUNT_ERROR', exitCode: null }, `${mount.type}: MOUNT_ERROR`);
      t.equal(
        final.message,
        `mount ${mount.type} ${mount.source} -> ${mount.target}: mount failed: ${expected.stderr}`,
        `${mount.type}: with mount's stderr`,
      );
      const told = `[batch] MOUNT_ERROR: ${final.message}`
        .split('\n')
        .map((l, i) => (i === 0 ? l : `[batch] ${l}`))
        .join('\n');
      t.match(conn.output(id, 'stderr'), told, `${mount.type}: told in stderr, every line marked [batch]`);
      t.notMatch(conn.output(id, 'stderr'), '[batch] unmount', `${mount.type}: nothing to unmount is announced`);
      t.equal(conn.statuses(id).length, 1, `${mount.type}: never RUNNING`);
      t.notOk(existsSync(mount.target), `${mount.type}: the target it created is removed`);
    }
    t.same(readdirSync(join(dir, 'mounts')), [], 'no mount records left');
  },
);

t.test('a restarted agent unmounts what a killed one left mounted', { skip: noLoop }, async (t) => {
  const scratch = sharedTmpDir(t);
  const device = loopDevice(t, scratch);
  const { conn, agent, dir, controller } = await setup(t);
  const target = join(scratch, 'left');
  t.teardown(() => {
    if (isMounted(target)) spawnSync('umount', ['-l', target]);
  });
  conn.send(
    startAttempt(5, `cd ${target} && sleep 300`, {
      mounts: [{ type: 'disk', source: device, target, formatIfEmpty: true }],
    }),
  );
  await waitFor('RUNNING', () => conn.statuses(5).length > 0, { timeoutMs: 60_000 });
  t.ok(isMounted(target), 'mounted while the command runs');

  agent.signal('SIGKILL');
  await agent.exited;
  t.ok(isMounted(target), 'a killed agent leaves the mount behind');
  t.ok(existsSync(join(dir, 'mounts', '5.json')), 'but its record is on disk');

  const next = startAgent(t, { controllerUrl: controller.url, dir });
  await next.waitForLog(`attempt 5: disk ${device} -> ${target} is unmounted (a previous agent run left it)`, 30_000);
  await next.waitForLog('connected to');
  t.notOk(isMounted(target), 'the next agent start unmounted it');
  t.same(readdirSync(join(dir, 'mounts')), [], 'and dropped the record');
});

const FAKE_S3FS = `#!/bin/sh
# a stand-in for s3fs: records how it was called and its key file, then fails or mounts a tmpfs
printf '%s\\n' "$@" > "$FAKE_S3FS_OUT/argv"
key=$(printf '%s' "$4" | sed 's/^passwd_file=\\([^,]*\\),.*/\\1/')
stat -c %a "$key" > "$FAKE_S3FS_OUT/mode"
cat "$key" > "$FAKE_S3FS_OUT/key"
if [ -n "$FAKE_S3FS_FAIL" ]; then echo "s3fs: unable to access MOUNTPOINT: bucket not found (fake)" >&2; exit 1; fi
mount -t tmpfs fake-s3fs "$2"
`;

async function withFakeS3fs(t: TapTest, fail: boolean) {
  const scratch = sharedTmpDir(t);
  const bin = join(scratch, 'bin');
  const out = join(scratch, 'out');
  mkdirSync(bin);
  mkdirSync(out);
  writeFileSync(join(bin, 's3fs'), FAKE_S3FS);
  chmodSync(join(bin, 's3fs'), 0o755);
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    FAKE_S3FS_OUT: out,
    ...(fail ? { FAKE_S3FS_FAIL: '1' } : {}),
  };
  return { scratch, out, ...(await setup(t, env)) };
}

const SECRET = `secret-${tag}-do-not-log`;
const s3 = {
  endpoint: 'http://127.0.0.1:9',
  region: 'cn-north-1',
  bucket: 'batch-input-1',
  prefix: 'gx-test/',
  accessKeyId: 'AKIDTEST',
  secretAccessKey: SECRET,
  pathStyle: true,
};

function checkSecretKept(t: TapTest, conn: FakeConnection, agent: AgentProcess, dir: string): void {
  const everything = JSON.stringify(
    conn.received.map((m) => (m.kind === 'logChunk' ? Buffer.from(m.data).toString('utf8') : m)),
  );
  t.notMatch(everything, SECRET, 'the secret is in no log chunk or status');
  t.notMatch(agent.stderr, SECRET, "nor in the agent's log");
  t.same(
    readdirSync(join(dir, 'mounts')).filter((f) => f.endsWith('.key')),
    [],
    'the key file is gone',
  );
}

t.test('oss mounts hand s3fs a 0600 key file that is removed again; its failure is MOUNT_ERROR', async (t) => {
  const { conn, agent, dir, out, scratch } = await withFakeS3fs(t, true);
  const target = join(scratch, 'oss');
  conn.send(
    startAttempt(6, 'touch ran', {
      mounts: [{ type: 'oss', source: 'oss://batch-input-1/gx-test/', target, readOnly: true, s3 }],
    }),
  );
  const final = await conn.waitForFinal(6, 30_000);
  t.match(final, {
    state: 'FAILED',
    failureReason: 'MOUNT_ERROR',
    message: `mount oss oss://batch-input-1/gx-test/ -> ${target}: s3fs failed: s3fs: unable to access MOUNTPOINT: bucket not found (fake)`,
  });
  const key = join(dir, 'mounts', '6-0.key');
  t.same(readFileSync(join(out, 'argv'), 'utf8').split('\n').slice(0, -1), [
    'batch-input-1:/gx-test',
    target,
    '-o',
    `passwd_file=${key},url=http://127.0.0.1:9,endpoint=cn-north-1,use_path_request_style,ro`,
  ]);
  t.equal(readFileSync(join(out, 'mode'), 'utf8').trim(), '600', 'the key file is readable by the agent only');
  t.equal(readFileSync(join(out, 'key'), 'utf8'), `AKIDTEST:${SECRET}\n`);
  checkSecretKept(t, conn, agent, dir);
});

t.test(
  'a mounted oss bucket is there for the command, without its key file, and unmounted after',
  { skip: noRoot },
  async (t) => {
    const { conn, agent, dir, scratch } = await withFakeS3fs(t, false);
    const target = join(scratch, 'oss');
    conn.send(
      startAttempt(7, `grep -c " ${target} " /proc/mounts; ls ${join(dir, 'mounts')} | grep -c key; true`, {
        mounts: [{ type: 'oss', source: 'oss://batch-input-1/gx-test/', target, s3 }],
      }),
    );
    t.match(await conn.waitForFinal(7, 30_000), { state: 'SUCCEEDED' });
    t.equal(conn.output(7), '1\n0\n', 'mounted; no key file while mounted');
    t.notOk(isMounted(target), 'unmounted after the command');
    checkSecretKept(t, conn, agent, dir);
  },
);
