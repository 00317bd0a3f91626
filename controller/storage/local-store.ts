/**
 * The embedded object store: objects are files under `<data dir>/objects/<bucket>/<key>`, with a
 * small JSON sidecar holding size and sha256. Signed URLs point at the controller's own
 * `/signed/…` route and carry an HMAC over method, bucket, key and expiry.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, type ObjectInfo, type ObjectList, type ObjectStore } from './object-store.js';
import { checkBucket, checkKey } from './oss-url.js';

export const SIGNED_PATH = '/signed';

interface Sidecar {
  size: number;
  sha256: string;
  lastModified: string;
}

export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  private readonly root: string;
  private readonly metaRoot: string;
  private readonly signingKey: Buffer;

  constructor(
    dataDir: string,
    /** The controller's public base URL, which signed URLs point at. */
    private readonly baseUrl: () => string,
    private readonly maxBytes: number,
  ) {
    this.root = path.join(dataDir, 'objects');
    this.metaRoot = path.join(dataDir, 'objects-meta');
    mkdirSync(this.root, { recursive: true });
    const keyFile = path.join(dataDir, 'oss-signing-key');
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    this.signingKey = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
  }

  private file(bucket: string, key: string): string {
    checkBucket(bucket);
    checkKey(key);
    return path.join(this.root, bucket, ...key.split('/'));
  }

  private sidecar(bucket: string, key: string): string {
    return path.join(this.metaRoot, bucket, ...key.split('/')) + '.json';
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const meta = JSON.parse(await readFile(this.sidecar(bucket, key), 'utf8')) as Sidecar;
      return { key, size: meta.size, sha256: meta.sha256, lastModified: new Date(meta.lastModified) };
    } catch {
      return undefined; // no sidecar: the object does not exist (or is being written)
    }
  }

  async put(bucket: string, key: string, body: Readable, sha256?: string): Promise<ObjectInfo> {
    const file = this.file(bucket, key);
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let size = 0;
    const limit = this.maxBytes;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
      if (size > limit) body.destroy(new Error(`object exceeds the ${limit}-byte limit`));
    });
    try {
      await pipeline(body, createWriteStream(temp));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const digest = hash.digest('hex');
    if (sha256 && sha256 !== digest) {
      await rm(temp, { force: true });
      throw new DigestMismatchError(sha256, digest);
    }
    const info = { key, size, sha256: digest, lastModified: new Date() };
    // The sidecar is written last: an object without one does not exist yet.
    await rename(temp, file);
    const meta = this.sidecar(bucket, key);
    mkdirSync(path.dirname(meta), { recursive: true });
    await writeFile(
      meta,
      JSON.stringify({
        size: info.size,
        sha256: info.sha256,
        lastModified: info.lastModified.toISOString(),
      } satisfies Sidecar),
    );
    return info;
  }

  async get(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Readable } | undefined> {
    const info = await this.head(bucket, key);
    if (!info) return undefined;
    return { info, body: createReadStream(this.file(bucket, key)) };
  }

  async list(bucket: string, prefix: string, options: { limit: number; cursor?: string }): Promise<ObjectList> {
    checkBucket(bucket);
    const keys: string[] = [];
    const walk = async (dir: string, rel: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return; // bucket or prefix directory does not exist: nothing to list
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(dir, e.name), key);
        } else if (e.name.endsWith('.json') && key.slice(0, -5).startsWith(prefix)) {
          keys.push(key.slice(0, -5));
        }
      }
    };
    await walk(path.join(this.metaRoot, bucket), '');
    keys.sort();
    const after = options.cursor ? keys.filter((k) => k > options.cursor!) : keys;
    const page = after.slice(0, options.limit);
    const items = (await Promise.all(page.map((k) => this.head(bucket, k)))).filter(
      (i): i is ObjectInfo => i !== undefined,
    );
    const out: ObjectList = { items };
    if (after.length > options.limit) out.next = page[page.length - 1]!;
    return out;
  }

  async signGet(bucket: string, key: string, ttlSeconds: number): Promise<string> {
    return this.sign('GET', bucket, key, ttlSeconds);
  }

  async signPut(bucket: string, key: string, ttlSeconds: number, forAttempt?: number): Promise<string> {
    return this.sign('PUT', bucket, key, ttlSeconds, forAttempt);
  }

  private sign(method: 'GET' | 'PUT', bucket: string, key: string, ttlSeconds: number, attempt?: number): string {
    this.file(bucket, key);
    const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
    const sig = this.signature(method, bucket, key, expires, attempt);
    const encodedKey = key.split('/').map(encodeURIComponent).join('/');
    const forAttempt = attempt === undefined ? '' : `&attempt=${attempt}`;
    return `${this.baseUrl()}${SIGNED_PATH}/${bucket}/${encodedKey}?method=${method}&expires=${expires}${forAttempt}&sig=${sig}`;
  }

  /** The attempt is signed too, so a URL cannot be moved to another attempt (or to none). */
  private signature(method: string, bucket: string, key: string, expires: number, attempt?: number): string {
    return createHmac('sha256', this.signingKey)
      .update(`${method}\n${bucket}\n${key}\n${expires}${attempt === undefined ? '' : `\n${attempt}`}`)
      .digest('hex');
  }

  /** Whether a signed request is genuine and unexpired; says why not otherwise. */
  verify(
    method: string,
    bucket: string,
    key: string,
    query: { method?: string; expires?: string; sig?: string; attempt?: string },
  ): string | undefined {
    if (query.method !== method) return `this URL is signed for ${query.method ?? 'nothing'}, not ${method}`;
    const expires = Number(query.expires);
    if (!Number.isInteger(expires) || !query.sig) return 'missing signature';
    const attempt = query.attempt === undefined ? undefined : Number(query.attempt);
    if (attempt !== undefined && !Number.isInteger(attempt)) return 'bad attempt';
    const want = Buffer.from(this.signature(method, bucket, key, expires, attempt), 'hex');
    const got = Buffer.from(query.sig, 'hex');
    if (want.length !== got.length || !timingSafeEqual(want, got))
      return 'bad signature (this URL is not for this object)';
    if (expires < Date.now() / 1000) return 'the URL has expired';
    return undefined;
  }

  /** Exists for the signed route's size check before streaming a GET. */
  async size(bucket: string, key: string): Promise<number | undefined> {
    try {
      return (await stat(this.file(bucket, key))).size;
    } catch {
      return undefined;
    }
  }
}
