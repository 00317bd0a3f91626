/**
 * A real HTTP server on 127.0.0.1 (port 0) for testing clients: routes answer with canned
 * replies or custom handlers, and every request is recorded (method, path, query, headers, body)
 * so a test can assert exactly what a client sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './tmp.js';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The raw body text ('' when there was none). */
  body: string;
}

export interface Reply {
  status?: number;
  /** Sent as `application/json` (omitted for 204). */
  json?: unknown;
  /** Sent as `text/plain` when there is no `json`. */
  text?: string;
}

/** A handler may answer through `res` itself (streaming) and return nothing. */
// `void`, not `undefined`: a function that returns nothing has type void, and such handlers are the point.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type Handler = (request: RecordedRequest, res: ServerResponse) => Reply | void | Promise<Reply | void>;

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly server: Server;
  private baseUrl = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** The base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.baseUrl;
  }

  /** Answers `"METHOD /path"` (no query) with a reply or a handler. A later route replaces an earlier one. */
  route(methodAndPath: string, answer: Reply | Handler): this {
    this.routes.set(methodAndPath, typeof answer === 'function' ? answer : () => answer);
    return this;
  }

  /** Answers with each reply in turn, then keeps repeating the last one. */
  routeSequence(methodAndPath: string, replies: readonly Reply[]): this {
    let next = 0;
    return this.route(methodAndPath, () => replies[Math.min(next++, replies.length - 1)]!);
  }

  /** Requests recorded for `"METHOD /path"`. */
  requestsTo(methodAndPath: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === methodAndPath);
  }

  /** Listens on `port` (default: any free one). */
  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(request);
    const handler = this.routes.get(`${request.method} ${request.path}`);
    try {
      const reply = handler
        ? await handler(request, res)
        : {
            status: 404,
            json: { error: { code: 'NOT_FOUND', message: `no route for ${request.method} ${request.path}` } },
          };
      if (reply) send(res, reply);
    } catch (error) {
      send(res, {
        status: 500,
        json: { error: { code: 'INTERNAL', message: `fake server handler failed: ${String(error)}` } },
      });
    }
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const status = reply.status ?? 200;
  if (status === 204) {
    res.writeHead(204).end();
  } else if (reply.json !== undefined) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
  } else {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(reply.text ?? '');
  }
}

/** Starts a server that the test closes in its teardown. */
export async function startFakeHttpServer(t: Teardown): Promise<FakeHttpServer> {
  const server = new FakeHttpServer();
  await server.listen();
  t.teardown(() => server.close());
  return server;
}
