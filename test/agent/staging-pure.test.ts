import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { collectOutputs } from '../../agent/staging/collect-outputs.js';
import { cacheNameOf } from '../../agent/staging/package-cache.js';
import { resolveInside, unsafePathRule } from '../../agent/staging/safe-path.js';
import { checkEntry } from '../../agent/staging/zip-entry.js';
import type { StepFailed } from '../../agent/runner/failure.js';
import { formatBytes } from '../../agent/runner/setup-log.js';
import { tmpDir } from '../support/tmp.js';
import { S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG } from './zips.js';

t.test('relative paths that could leave the work dir are refused, with the rule', async (t) => {
  const cases: [string, string | undefined][] = [
    ['a.txt', undefined],
    ['input/deep/b.bin', undefined],
    ['./a/./b', undefined],
    ['dir/', undefined],
    ['a..b/c..', undefined],
    ['../../evil', 'would be written outside the work dir'],
    ['a/../../evil', 'would be written outside the work dir'],
    ['a/..', 'would be written outside the work dir'],
    ['..\\..\\evil', 'would be written outside the work dir'],
    ['/tmp/evil', 'is an absolute path'],
    ['\\tmp\\evil', 'is an absolute path'],
    ['C:\\evil', 'has a drive letter'],
    ['c:evil', 'has a drive letter'],
    ['a/C:/evil', 'has a drive letter'],
    ['logs/12:00.txt', undefined],
    ['\\\\server\\share\\evil', 'is a UNC path'],
    ['//server/share/evil', 'is a UNC path'],
    ['a/.. /b', 'has a segment of only dots and spaces'],
    ['a/.../b', 'has a segment of only dots and spaces'],
    ['a\0b', 'contains a NUL character'],
  ];
  for (const [name, rule] of cases) t.equal(unsafePathRule(name), rule, JSON.stringify(name));
});

t.test('resolveInside gives a path strictly under the root, or nothing', async (t) => {
  const root = resolve('/work/dir');
  t.equal(resolveInside(root, 'input/a.txt'), join(root, 'input', 'a.txt'));
  t.equal(resolveInside(root, 'a\\b.txt'), join(root, 'a', 'b.txt'), 'backslashes are separators');
  t.equal(resolveInside(root, '../x'), undefined);
  t.equal(resolveInside(root, '/etc/passwd'), undefined);
  t.equal(resolveInside(root, './'), undefined, 'the root itself is not a file in it');
  t.equal(resolveInside(root, ''), undefined);
});

t.test('zip entries: only regular files and directories, told apart by mode or name', async (t) => {
  const attrs = (mode: number) => (mode << 16) >>> 0;
  t.same(checkEntry('a.txt', attrs(S_IFREG | 0o644)), { kind: 'file', executable: false });
  t.same(checkEntry('run.sh', attrs(S_IFREG | 0o755)), { kind: 'file', executable: true });
  t.same(checkEntry('dir/', attrs(S_IFDIR | 0o755)), { kind: 'directory' });
  t.same(checkEntry('dos.txt', 0), { kind: 'file', executable: false }, 'no Unix mode: a file');
  t.same(checkEntry('dosdir/', 0x10), { kind: 'directory' }, 'no Unix mode: the name and the MS-DOS bit say directory');
  t.same(checkEntry('link', attrs(S_IFLNK | 0o777)), { refused: 'is a symbolic link' });
  t.same(checkEntry('pipe', attrs(S_IFIFO | 0o644)), { refused: 'is a fifo, not a regular file or directory' });
  t.same(checkEntry('dev', attrs(0o060000 | 0o600)), { refused: 'is a block device, not a regular file or directory' });
  t.same(
    checkEntry('../x', attrs(S_IFREG | 0o644)),
    { refused: 'would be written outside the work dir' },
    'the name is checked first',
  );
});

t.test('the package cache name comes from the digest and is always a safe file name', async (t) => {
  const hex = 'AB'.repeat(32);
  t.equal(
    cacheNameOf({ digest: `sha256:${hex}`, source: 'oss://b/k.zip', size: 1 }),
    `sha256-${hex.toLowerCase()}.zip`,
  );
  t.equal(
    cacheNameOf({ digest: `sha256:${hex}`, source: 'oss://other/k.zip', size: 1 }),
    cacheNameOf({ digest: `sha256:${hex}`, source: 'oss://b/k.zip', size: 1 }),
    'a sha256 names content: shared across sources',
  );
  const etag = cacheNameOf({ digest: 'etag:"../../x\\y"', source: 'oss://b/k.zip', size: 10 });
  t.match(etag, /^etag-[0-9a-f]{64}\.zip$/, 'an etag is hashed, whatever characters it has');
  t.not(
    etag,
    cacheNameOf({ digest: 'etag:"../../x\\y"', source: 'oss://b/other.zip', size: 10 }),
    'an etag is scoped to its object',
  );
  t.not(etag, cacheNameOf({ digest: 'etag:"../../x\\y"', source: 'oss://b/k.zip', size: 11 }), 'and to its size');
  t.equal(cacheNameOf({ digest: 'sha256:abc', source: 's', size: 1 }), undefined, 'a short sha256 is not one');
  t.equal(cacheNameOf({ digest: 'md5:abc', source: 's', size: 1 }), undefined, 'unknown scheme');
});

t.test('outputs: a directory gives its regular files recursively, a file must exist', async (t) => {
  const work = tmpDir(t);
  mkdirSync(join(work, 'output', 'sub'), { recursive: true });
  writeFileSync(join(work, 'output', 'a.txt'), 'aaa');
  writeFileSync(join(work, 'output', 'sub', 'b.txt'), 'bb');
  writeFileSync(join(work, 'result.txt'), 'r');
  symlinkSync('/etc/passwd', join(work, 'output', 'passwd'));
  const files = await collectOutputs(work, [
    { path: 'output/', destination: 'oss://b/out/' },
    { path: 'result.txt', destination: 'oss://b/r.txt' },
    { path: 'empty/', destination: 'oss://b/none/' },
  ]);
  t.same(
    files.map((f) => [f.path, f.size, f.output.destination]),
    [
      ['output/a.txt', 3, 'oss://b/out/'],
      ['output/sub/b.txt', 2, 'oss://b/out/'],
      ['result.txt', 1, 'oss://b/r.txt'],
    ],
    'symlinks are not followed; a missing directory gives nothing',
  );
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => (err as StepFailed).failure,
    );
  t.same(await failureOf(collectOutputs(work, [{ path: 'missing.txt', destination: 'oss://b/m' }])), {
    reason: 'STAGE_OUT_ERROR',
    message: 'output missing.txt (to oss://b/m) does not exist',
    retryable: false,
  });
  t.match(await failureOf(collectOutputs(work, [{ path: 'output', destination: 'oss://b/o' }])), {
    reason: 'STAGE_OUT_ERROR',
    message: /is a directory/,
  });
});

t.test('sizes are written for people', async (t) => {
  t.equal(formatBytes(12), '12 B');
  t.equal(formatBytes(2048), '2.0 KiB');
  t.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MiB');
});
