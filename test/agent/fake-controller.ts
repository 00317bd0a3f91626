/**
 * A controller gateway small enough to reason about in a test: a real WebSocket server on
 * 127.0.0.1 that speaks the wire protocol (protocol/codec.ts), records every message each agent
 * connection sends, and lets the test answer by hand. By default it welcomes every hello and
 * issues a credential for a registration token, and acknowledges every status and every
 * contiguous run of log chunks as it arrives, as the real gateway does once it has stored them.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeAgentFrame, encodeFrame } from '../../protocol/codec.js';
import type {
  Ack,
  AgentMessage,
  AttemptStatus,
  ControllerMessage,
  Hello,
  LogChunk,
  StartAttempt,
} from '../../protocol/messages.js';
import type { Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

export const NODE_ID = 'n-test-1';
export const CREDENTIAL = 'cred-3b1f9c2e7d';

export interface FakeControllerOptions {
  /** The answer to a hello; default `welcomeFor`. Return [] to answer nothing. */
  answer?: (hello: Hello, conn: FakeConnection) => ControllerMessage[];
  heartbeatIntervalMs?: number;
  /** Acknowledge statuses and log chunks as they arrive (default true). */
  autoAck?: boolean;
}

export function welcomeFor(hello: Hello, heartbeatIntervalMs = 60_000): ControllerMessage {
  const byToken = 'registrationToken' in hello.auth;
  return {
    kind: 'welcome',
    protocolVersion: 1,
    controllerVersion: 'fake',
    nodeId: byToken ? NODE_ID : (hello.auth as { nodeId: string }).nodeId,
    ...(byToken ? { credential: CREDENTIAL } : {}),
    heartbeatIntervalMs,
    capabilities: [],
  };
}

export class FakeConnection {
  /** Everything the agent sent on this connection, hello first. */
  readonly received: AgentMessage[] = [];
  closed = false;

  constructor(private readonly socket: WebSocket) {
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get hello(): Hello | undefined {
    const first = this.received[0];
    return first?.kind === 'hello' ? first : undefined;
  }

  send(...messages: ControllerMessage[]): void {
    this.socket.send(encodeFrame(messages));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  close(): void {
    this.socket.close();
  }

  chunks(attemptId: number, stream: LogChunk['stream'] = 'stdout'): LogChunk[] {
    return this.received.filter(
      (m): m is LogChunk => m.kind === 'logChunk' && m.attemptId === attemptId && m.stream === stream,
    );
  }

  output(attemptId: number, stream: LogChunk['stream'] = 'stdout'): string {
    return Buffer.concat(this.chunks(attemptId, stream).map((c) => c.data)).toString('utf8');
  }

  statuses(attemptId: number): AttemptStatus[] {
    return this.received.filter((m): m is AttemptStatus => m.kind === 'attemptStatus' && m.attemptId === attemptId);
  }

  final(attemptId: number): AttemptStatus | undefined {
    return this.statuses(attemptId).find((s) => s.state !== 'RUNNING');
  }

  waitForFinal(attemptId: number, timeoutMs = 10_000): Promise<AttemptStatus> {
    return waitFor(`final status of attempt ${attemptId}`, () => this.final(attemptId), {
      timeoutMs,
      describe: () => this.describe(),
    });
  }

  waitForOutput(attemptId: number, text: string, timeoutMs = 10_000): Promise<string> {
    return waitFor(
      `"${text}" in the stdout of attempt ${attemptId}`,
      () => this.output(attemptId).includes(text) && this.output(attemptId),
      {
        timeoutMs,
        describe: () => this.describe(),
      },
    );
  }

  waitFor<M extends AgentMessage>(what: string, match: (m: AgentMessage) => m is M, timeoutMs = 10_000): Promise<M> {
    return waitFor(what, () => this.received.find(match), { timeoutMs, describe: () => this.describe() });
  }

  describe(): string {
    return `received: ${JSON.stringify(this.received.map(summarize))}`;
  }
}

function summarize(m: AgentMessage): unknown {
  return m.kind === 'logChunk' ? { ...m, data: Buffer.from(m.data).toString('utf8') } : m;
}

export class FakeController {
  readonly connections: FakeConnection[] = [];
  readonly #server: WebSocketServer;
  readonly #opts: FakeControllerOptions;
  /** Per "attempt/stream", the seq that would extend the stored run of chunks. */
  readonly #nextSeq = new Map<string, number>();

  private constructor(server: WebSocketServer, opts: FakeControllerOptions) {
    this.#server = server;
    this.#opts = opts;
    server.on('connection', (socket) => this.#accept(socket));
  }

  static async start(t: Teardown, opts: FakeControllerOptions = {}): Promise<FakeController> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/agent' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const controller = new FakeController(server, opts);
    t.teardown(() => controller.close());
    return controller;
  }

  /** The console-style URL an operator would configure; the agent appends /v1/agent. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The n-th connection (0-based) once its hello has arrived. */
  connection(n: number, timeoutMs = 10_000): Promise<FakeConnection> {
    return waitFor(
      `agent connection #${n}`,
      () => {
        const conn = this.connections[n];
        return conn?.hello !== undefined && conn;
      },
      { timeoutMs },
    );
  }

  close(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: WebSocket): void {
    const conn = new FakeConnection(socket);
    this.connections.push(conn);
    socket.on('message', (data) => {
      const { messages } = decodeAgentFrame(data as Buffer);
      const ack: Ack = { kind: 'ack', statuses: [], logs: [] };
      for (const message of messages) {
        conn.received.push(message);
        if (message.kind === 'hello') {
          const answer = this.#opts.answer?.(message, conn) ?? [welcomeFor(message, this.#opts.heartbeatIntervalMs)];
          if (answer.length > 0) conn.send(...answer);
        } else if (message.kind === 'attemptStatus') {
          ack.statuses.push({ attemptId: message.attemptId, state: message.state });
        } else if (message.kind === 'logChunk') {
          const key = `${message.attemptId}/${message.stream}`;
          const next = this.#nextSeq.get(key) ?? 0;
          if (message.seq === next) {
            this.#nextSeq.set(key, next + 1);
            ack.logs.push({ attemptId: message.attemptId, stream: message.stream, seq: message.seq });
          }
        }
      }
      if ((this.#opts.autoAck ?? true) && (ack.statuses.length > 0 || ack.logs.length > 0)) conn.send(ack);
    });
  }
}

export function startAttempt(attemptId: number, command: string, extra: Partial<StartAttempt> = {}): StartAttempt {
  return {
    kind: 'startAttempt',
    attemptId,
    jobId: 'j-test',
    jobName: 'agent-test',
    taskName: 'work',
    index: 0,
    count: 1,
    attempt: 1,
    command,
    env: {},
    timeoutSeconds: 0,
    computeEnvironment: 'local',
    ...extra,
  };
}
