/**
 * A real S3-compatible HTTP server for tests (s3rver), on 127.0.0.1, behind a small proxy that
 * counts requests (how often was an object downloaded?) and checks presigned URLs the way S3
 * does — s3rver checks their expiry but not their SigV4 signature, so without this a URL edited
 * to point at another object would pass.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { tmpDir, type Teardown } from './tmp.js';

export interface TestS3 {
  /** The endpoint clients use (the counting proxy). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Requests seen, as `METHOD /bucket/key` (query stripped). */
  requests: string[];
}

export async function startS3(t: Teardown, buckets: string[] = []): Promise<TestS3> {
  const directory = tmpDir(t, 'batch-s3-');
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  t.teardown(() => server.close());
  const requests: string[] = [];
  const proxy = http.createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    req.pause();
    const why = await presignedProblem(req, 'S3RVER');
    if (why) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>${why}</Message></Error>`,
      );
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: address.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  // s3rver accepts any key pair whose access key is S3RVER
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
  };
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

class NodeSha256 {
  private hash;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** For a SigV4 query-signed request: why S3 would refuse it, or undefined if it is genuine. */
async function presignedProblem(req: http.IncomingMessage, secret: string): Promise<string | undefined> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const given = url.searchParams.get('X-Amz-Signature');
  if (!given) return undefined;
  const [accessKeyId, , region] = (url.searchParams.get('X-Amz-Credential') ?? '').split('/');
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const expiresIn = Number(url.searchParams.get('X-Amz-Expires'));
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (signingDate.getTime() + expiresIn * 1000 < Date.now()) return 'Request has expired';
  const query: Record<string, string> = {};
  // Everything the signer did not add itself is part of what was signed (X-Amz-Content-Sha256 too).
  for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-') || k === 'X-Amz-Content-Sha256') query[k] = v;
  const signer = new SignatureV4({
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: secret },
    region: region!,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const signed = await signer.presign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      // S3 presigned URLs sign no payload
      headers: { host: req.headers.host ?? '', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    {
      signingDate,
      expiresIn,
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set(['x-amz-content-sha256']),
    },
  );
  return signed.query?.['X-Amz-Signature'] === given
    ? undefined
    : 'The request signature we calculated does not match the signature you provided.';
}
