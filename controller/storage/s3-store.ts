/**
 * Any S3-compatible service (JD Cloud OSS, AWS S3, MinIO, Ceph RGW) through the AWS SDK. Objects
 * uploaded through the API carry their sha256 as metadata, so agents can verify and cache them.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkKey } from './oss-url.js';
import { DigestMismatchError, type ObjectInfo, type ObjectList, type ObjectStore } from './object-store.js';

export interface S3Settings {
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

function notFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(readonly settings: S3Settings) {
    const config: S3ClientConfig = {
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      forcePathStyle: settings.forcePathStyle,
      // Checksums only where the protocol requires them: many S3-compatible servers reject the
      // SDK's newer default trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (settings.endpoint) config.endpoint = settings.endpoint;
    this.client = new S3Client(config);
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const info: ObjectInfo = { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
      if (out.Metadata?.sha256) info.sha256 = out.Metadata.sha256;
      if (out.ETag) info.etag = out.ETag.replace(/"/g, '');
      return info;
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  async put(bucket: string, key: string, body: Readable, sha256?: string): Promise<ObjectInfo> {
    checkKey(key);
    const hash = createHash('sha256');
    let size = 0;
    const counted = new PassThrough();
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    body.on('error', (err) => counted.destroy(err));
    body.pipe(counted);
    // The digest the client announced is stored as metadata, so agents can verify and cache by it.
    const params = { Bucket: bucket, Key: key, Body: counted, ...(sha256 ? { Metadata: { sha256 } } : {}) };
    await new Upload({ client: this.client, params }).done();
    const actual = hash.digest('hex');
    if (sha256 && actual !== sha256) {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      throw new DigestMismatchError(sha256, actual);
    }
    return { key, size, sha256: actual, lastModified: new Date() };
  }

  async get(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Readable } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const info: ObjectInfo = { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
      if (out.Metadata?.sha256) info.sha256 = out.Metadata.sha256;
      return { info, body: out.Body as Readable };
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  async list(bucket: string, prefix: string, options: { limit: number; cursor?: string }): Promise<ObjectList> {
    try {
      // ListObjects (v1) with Marker: every S3-compatible server has it (some fail truncated v2 lists).
      const out = await this.client.send(
        new ListObjectsCommand({
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: options.limit,
          ...(options.cursor ? { Marker: options.cursor } : {}),
        }),
      );
      const items = (out.Contents ?? []).map((o) => {
        const info: ObjectInfo = { key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
        if (o.ETag) info.etag = o.ETag.replace(/"/g, '');
        return info;
      });
      const list: ObjectList = { items };
      if (out.IsTruncated && items.length > 0) list.next = items[items.length - 1]!.key;
      return list;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchBucket') return { items: [] };
      throw err;
    }
  }

  async signGet(bucket: string, key: string, ttlSeconds: number): Promise<string> {
    checkKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ttlSeconds });
  }

  /** S3 cannot ask whether the attempt is still active: `ttlSeconds` is what ends the URL. */
  async signPut(bucket: string, key: string, ttlSeconds: number): Promise<string> {
    checkKey(key);
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ttlSeconds });
  }
}
