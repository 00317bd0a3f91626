/**
 * `oss cp SRC DST` (a local file to an oss:// URL or back) and `oss ls URL`, through the
 * controller's /v1/oss API, so the walkthrough needs no other tool. Uploads announce their
 * sha256, so the controller refuses a corrupted transfer and agents can cache packages by it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { collectAll, type ObjectEntry } from '../../sdk/index.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { printLine } from '../output.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

const isOss = (s: string) => s.startsWith('oss://');

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // does not exist: a file path to create
  }
}

export function registerOss(program: Command): void {
  const oss = program.command('oss').description('copy files to and from oss:// URLs, list objects');

  oss
    .command('cp')
    .description(
      'copy a local file to an oss:// URL (a URL ending in "/" keeps the file name), or an object to a local path',
    )
    .argument('<SRC>', 'local path or oss:// URL')
    .argument('<DST>', 'local path or oss:// URL')
    .action(async (src: string, dst: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      if (isOss(src) === isOss(dst)) throw new UsageError('oss cp: exactly one of SRC and DST must be an oss:// URL');
      if (!isOss(src)) {
        if (!statSync(src, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`oss cp: ${src} is not a file`);
        const target = dst.endsWith('/') ? `${dst}${path.basename(src)}` : dst;
        const sha256 = await sha256Of(src);
        const body = Readable.toWeb(createReadStream(src)) as ReadableStream<Uint8Array>;
        const entry = await ctx.api.putObject(target, body, { sha256 });
        if (ctx.structured || ctx.quiet) await ctx.show(entry, String, (e) => [e.url]);
        else printLine(`uploaded ${src} to ${entry.url} (${entry.size} bytes, sha256 ${entry.sha256 ?? sha256})`);
        return;
      }
      const file = isDirectory(dst) || dst.endsWith('/') ? path.join(dst, path.posix.basename(src)) : dst;
      const partial = `${file}.partial`;
      try {
        await pipeline(Readable.from(await ctx.api.getObject(src)), createWriteStream(partial) as Writable);
        await rename(partial, file);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
      await ctx.show(
        { url: src, file },
        () => `downloaded ${src} to ${file}`,
        (d) => [d.file],
      );
    });

  oss
    .command('ls')
    .description('list the objects under an oss:// URL (or your buckets, with no URL)')
    .argument('[URL]', 'oss://bucket/prefix')
    .action(async (url: string | undefined, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      if (url === undefined) {
        const buckets = await ctx.api.listBuckets();
        await ctx.show(
          buckets,
          () =>
            formatTable(
              ['BUCKET', 'CREATED'],
              buckets.items.map((b) => [b.url, formatTime(b.createdAt)]),
            ),
          (p) => p.items.map((b) => b.url),
        );
        return;
      }
      if (!isOss(url)) throw new UsageError(`oss ls: "${url}" is not an oss:// URL`);
      const list = await collectAll<ObjectEntry>((cursor) => ctx.api.listObjects(url, cursor ? { cursor } : {}));
      const rows = list.items.map((o) => [o.url, String(o.size), formatTime(o.lastModified)]);
      await ctx.show(
        list,
        () => formatTable(['OBJECT', { header: 'SIZE', align: 'right' }, 'MODIFIED'], rows),
        (p) => p.items.map((o) => o.url),
      );
    });
}
