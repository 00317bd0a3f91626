import t from 'tap';
import { InvalidMount, planMount, type MountPlan } from '../../agent/mounts/mount-commands.js';
import type { MountRequest } from '../../protocol/messages.js';

const KEY = '/agent/mounts/7-0.key';
const argv = (c: { file: string; args: string[] }) => [c.file, ...c.args];
const linux = (m: MountRequest): MountPlan => planMount(m, 'linux', KEY);
const windows = (m: MountRequest): MountPlan => planMount(m, 'win32', KEY);

t.test('cfs on Linux is an NFS mount; readOnly and options go into one -o list', async (t) => {
  const plain = linux({ type: 'cfs', source: '10.0.0.5:/export/share', target: '/mnt/cfs' });
  t.same(argv(plain.mount), ['mount', '-t', 'nfs', '10.0.0.5:/export/share', '/mnt/cfs']);
  t.same(
    plain.unmount.map(argv),
    [
      ['umount', '/mnt/cfs'],
      ['umount', '-l', '/mnt/cfs'],
    ],
    'umount, then a lazy umount when busy',
  );
  t.equal(plain.createTarget, true);
  t.equal(plain.what, 'cfs 10.0.0.5:/export/share -> /mnt/cfs');

  t.same(argv(linux({ type: 'cfs', source: 'h:/e', target: '/m', readOnly: true }).mount), [
    'mount',
    '-t',
    'nfs',
    '-o',
    'ro',
    'h:/e',
    '/m',
  ]);
  t.same(argv(linux({ type: 'cfs', source: 'h:/e', target: '/m', readOnly: true, options: 'vers=4.1,nolock' }).mount), [
    'mount',
    '-t',
    'nfs',
    '-o',
    'ro,vers=4.1,nolock',
    'h:/e',
    '/m',
  ]);
  t.same(argv(linux({ type: 'cfs', source: 'h:/e', target: '/m', options: 'vers=3' }).mount), [
    'mount',
    '-t',
    'nfs',
    '-o',
    'vers=3',
    'h:/e',
    '/m',
  ]);
});

t.test('cfs on Linux with an SMB source is a CIFS mount', async (t) => {
  t.same(argv(linux({ type: 'cfs', source: '\\\\fs1\\data', target: '/mnt/smb', options: 'guest' }).mount), [
    'mount',
    '-t',
    'cifs',
    '-o',
    'guest',
    '//fs1/data',
    '/mnt/smb',
  ]);
});

t.test('oss on Linux is s3fs with a key file, endpoint, region, path style and ro', async (t) => {
  const s3 = {
    endpoint: 'https://s3.example.com',
    region: 'cn-north-1',
    bucket: 'batch-input-1',
    prefix: 'gx-test/',
    accessKeyId: 'AKID',
    secretAccessKey: 'SECRET',
    pathStyle: true,
  };
  const plan = linux({ type: 'oss', source: 'oss://batch-input-1/gx-test/', target: '/mnt/oss', readOnly: true, s3 });
  t.same(argv(plan.mount), [
    's3fs',
    'batch-input-1:/gx-test',
    '/mnt/oss',
    '-o',
    `passwd_file=${KEY},url=https://s3.example.com,endpoint=cn-north-1,use_path_request_style,ro`,
  ]);
  t.same(plan.keyFile, { path: KEY, content: 'AKID:SECRET\n' });
  t.notMatch(
    JSON.stringify([plan.mount, plan.unmount, plan.what]),
    'SECRET',
    'the secret is only in the key file content',
  );

  const whole = linux({
    type: 'oss',
    source: 'oss://b/',
    target: '/o',
    s3: { ...s3, bucket: 'b', prefix: '', pathStyle: false },
    options: 'allow_other',
  });
  t.same(argv(whole.mount), [
    's3fs',
    'b',
    '/o',
    '-o',
    `passwd_file=${KEY},url=https://s3.example.com,endpoint=cn-north-1,allow_other`,
  ]);
  t.throws(
    () => linux({ type: 'oss', source: 'oss://b/', target: '/o' }),
    InvalidMount,
    'no s3 settings from the controller',
  );
  t.throws(
    () => linux({ type: 'oss', source: 'oss://b/', target: '/o', s3: { ...s3, endpoint: 'http://x,allow_other' } }),
    InvalidMount,
  );
});

t.test('disk on Linux: optional blkid probe and mkfs, then mount with the type and ro', async (t) => {
  const plain = linux({ type: 'disk', source: '/dev/vdb', target: '/mnt/data' });
  t.same(argv(plain.mount), ['mount', '/dev/vdb', '/mnt/data']);
  t.equal(plain.format, undefined);

  const formatted = linux({ type: 'disk', source: '/dev/vdb', target: '/mnt/data', formatIfEmpty: true });
  t.same(argv(formatted.format!.probe), ['blkid', '-p', '/dev/vdb']);
  t.equal(formatted.format!.emptyExitCode, 2, "blkid's exit status for nothing found");
  t.same(argv(formatted.format!.mkfs), ['mkfs', '-t', 'ext4', '/dev/vdb'], 'ext4 by default');
  t.same(argv(formatted.mount), ['mount', '/dev/vdb', '/mnt/data']);

  const xfs = linux({
    type: 'disk',
    source: '/dev/vdc',
    target: '/d',
    formatIfEmpty: true,
    fsType: 'xfs',
    readOnly: true,
    options: 'noatime',
  });
  t.same(argv(xfs.format!.mkfs), ['mkfs', '-t', 'xfs', '/dev/vdc']);
  t.same(argv(xfs.mount), ['mount', '-t', 'xfs', '-o', 'ro,noatime', '/dev/vdc', '/d']);
});

t.test('cfs on Windows: net use for SMB shares, the NFS client for host:/export', async (t) => {
  const smb = windows({ type: 'cfs', source: '\\\\fs1\\share', target: 'Z:' });
  t.same(argv(smb.mount), ['net.exe', 'use', 'Z:', '\\\\fs1\\share', '/persistent:no']);
  t.same(smb.unmount.map(argv), [['net.exe', 'use', 'Z:', '/delete', '/y']]);
  t.equal(smb.createTarget, false);
  t.same(argv(windows({ type: 'cfs', source: '//fs1/share', target: 'y:\\', options: '/user:svc' }).mount), [
    'net.exe',
    'use',
    'y:',
    '\\\\fs1\\share',
    '/persistent:no',
    '/user:svc',
  ]);

  const nfs = windows({ type: 'cfs', source: '10.0.0.5:/export/share', target: 'Z:' });
  t.same(argv(nfs.mount), ['mount.exe', '-o', 'anon', '10.0.0.5:/export/share', 'Z:']);
  t.same(nfs.unmount.map(argv), [
    ['umount.exe', 'Z:'],
    ['umount.exe', '-f', 'Z:'],
  ]);
  t.same(argv(windows({ type: 'cfs', source: 'h:/e', target: 'Z:', options: 'mtype=hard' }).mount), [
    'mount.exe',
    '-o',
    'anon,mtype=hard',
    'h:/e',
    'Z:',
  ]);
});

t.test('what cannot be mounted as written is refused with the rule', async (t) => {
  const refused = (m: MountRequest, platform: 'linux' | 'win32', rule: RegExp) =>
    t.throws(
      () => planMount(m, platform, KEY),
      { name: 'InvalidMount', message: rule },
      `${m.type} ${m.source} -> ${m.target} on ${platform}`,
    );
  refused({ type: 'cfs', source: 'h:/e', target: 'mnt/rel' }, 'linux', /not an absolute path/);
  refused({ type: 'cfs', source: '-oremount', target: '/m' }, 'linux', /source "-oremount" must not start with "-"/);
  refused(
    { type: 'disk', source: '/dev/vdb', target: '/m', fsType: 'ext4 -F' },
    'linux',
    /not a file system type name/,
  );
  refused({ type: 'cfs', source: 'h:/e', target: 'C:\\mnt' }, 'win32', /drive letter such as Z:/);
  refused({ type: 'oss', source: 'oss://b/', target: 'Z:' }, 'win32', /oss mounts are not supported on Windows/);
  refused(
    { type: 'disk', source: '\\\\.\\PhysicalDrive1', target: 'Z:' },
    'win32',
    /disk mounts are not supported on Windows/,
  );
  refused({ type: 'cfs', source: 'h:/e', target: 'Z:', readOnly: true }, 'win32', /readOnly is not supported/);
});
