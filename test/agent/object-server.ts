/**
 * A stand-in for object storage behind signed URLs: a real HTTP server on 127.0.0.1 that serves
 * the bytes a test put there on GET, stores what the agent PUTs, answers chosen paths with an
 * error status, and counts every request. Its URLs carry a fake signature so a test can check
 * that it never shows up in a log or a status message.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Teardown } from '../support/tmp.js';

export const SIGNATURE = 'X-Sig=not-for-logs-5f2a9c';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export class ObjectServer {
  readonly requests: SeenRequest[] = [];
  /** Bytes served on GET, by path. */
  readonly objects = new Map<string, Buffer>();
  /** Bytes received by PUT, by path. */
  readonly received = new Map<string, Buffer>();
  /** Paths answered with this status instead (GET or PUT). */
  readonly failWith = new Map<string, number>();
  /** Paths never answered: a transfer that hangs. */
  readonly hold = new Set<string>();
  readonly #server: Server;
  #base = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.requests.push({ method: req.method ?? '', path, headers: req.headers });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.hold.has(path)) return;
        const status = this.failWith.get(path);
        if (status !== undefined) {
          res.writeHead(status).end('refused by the test');
          return;
        }
        if (req.method === 'PUT') {
          this.received.set(path, Buffer.concat(chunks));
          res.writeHead(200).end();
          return;
        }
        const body = this.objects.get(path);
        if (body === undefined) res.writeHead(404).end('no such object');
        else res.writeHead(200, { 'content-length': body.byteLength }).end(body);
      });
    });
  }

  static async start(t: Teardown): Promise<ObjectServer> {
    const server = new ObjectServer();
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    server.#base = `http://127.0.0.1:${(server.#server.address() as AddressInfo).port}`;
    t.teardown(
      () =>
        new Promise<void>((resolve) => {
          server.#server.closeAllConnections();
          server.#server.close(() => resolve());
        }),
    );
    return server;
  }

  /** The "signed" URL of a path. */
  url(path: string): string {
    return `${this.#base}${path}?${SIGNATURE}`;
  }

  put(path: string, body: Buffer | string): string {
    this.objects.set(path, Buffer.from(body));
    return this.url(path);
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }
}

export function sha256Of(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
