/**
 * The agent's WebSocket to the controller: connect, `hello`, wait for `welcome`, then dispatch
 * controller messages until the socket drops, and reconnect with backoff for as long as the agent
 * runs. A session is the span between `welcome` and the socket's close; the outbox only carries
 * messages during a session.
 *
 * A frame that fails to decode ends the connection, not the agent: the next connection starts
 * from a clean state and everything unacknowledged is sent again.
 *
 * With several endpoints (controllers sharing one database), a connection that fails or drops
 * makes the next attempt go to the next endpoint in turn; the agent stays with one that works.
 * Whichever controller it reaches, the session is the same: hello, welcome, resync.
 */
import { rm } from 'node:fs/promises';
import WebSocket, { type RawData } from 'ws';
import { decodeControllerFrame, encodeFrame, ProtocolError } from '../protocol/codec.js';
import {
  assertNever,
  MAX_FRAME_BYTES,
  type Ack,
  type ControllerMessage,
  type Hello,
  type KillAttempt,
  type Reject,
  type StartAttempt,
  type UploadGrant,
  type Welcome,
} from '../protocol/messages.js';
import { BATCH_VERSION, PROTOCOL_VERSION } from '../protocol/version.js';
import { Backoff } from './backoff.js';
import type { CredentialStore, NodeCredential } from './credentials.js';
import { EXIT_FAILURE, EXIT_REJECTED } from './exit-codes.js';
import { describeError, log } from './log.js';
import type { Outbox } from './outbox.js';

/** What the hello says about the node; the connection adds the version and the auth. */
export type NodeDescription = Omit<Hello, 'kind' | 'protocolVersion' | 'agentVersion' | 'auth'>;

export interface SessionEvents {
  describe(): NodeDescription;
  opened(welcome: Welcome): void;
  closed(): void;
  startAttempt(msg: StartAttempt, nodeId: string): void;
  killAttempt(msg: KillAttempt): void;
  ack(msg: Ack): void;
  uploadGrant(msg: UploadGrant): void;
  /** The agent must stop: the controller refused it for good, or its identity cannot be kept. */
  fatal(exitCode: number, why: string): void;
}

export interface ConnectionOptions {
  /** Tried in turn; at least one. */
  endpoints: readonly string[];
  registrationToken: string | undefined;
  /** The file the token was read from: removed once the credential is stored (it is spent). */
  registrationTokenFile?: string | undefined;
  credentials: CredentialStore;
  credential: NodeCredential | undefined;
  outbox: Outbox;
  events: SessionEvents;
}

const HANDSHAKE_TIMEOUT_MS = 30_000;
const MIN_PING_INTERVAL_MS = 5_000;
const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_WAIT_MS = 2_000;

/** One WebSocket and what is known about it; a reconnect starts a new one. */
interface Link {
  socket: WebSocket;
  phase: 'handshake' | 'open';
  /** Why it failed, when known before the close event (a connect error, a timeout). */
  failure: string | undefined;
  awaitingPong: boolean;
  handshakeTimer: NodeJS.Timeout | undefined;
  pingTimer: NodeJS.Timeout | undefined;
}

function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

export class Connection {
  readonly #opts: ConnectionOptions;
  // Capped at 10 s so a restarted controller hears from every agent well within its lost-node grace.
  readonly #backoff = new Backoff({ initialMs: 500, maxMs: 10_000 });
  #credential: NodeCredential | undefined;
  #link: Link | undefined;
  /** Index into `endpoints` of the one used now. */
  #current = 0;
  #nodeId = '';
  #retryTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(opts: ConnectionOptions) {
    this.#opts = opts;
    this.#credential = opts.credential;
  }

  start(): void {
    this.#connect();
  }

  get #endpoint(): string {
    return this.#opts.endpoints[this.#current]!;
  }

  /** Stops reconnecting and closes the socket politely; resolves once it is closed. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    const socket = this.#link?.socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(CLOSE_GOING_AWAY, 'agent shutting down');
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    const socket = new WebSocket(this.#endpoint, {
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      // A zero masking key, which ws then skips on both ends: masking XORs every byte sent (it was
      // most of the agent's CPU while shipping a big log) and only protects intermediaries from
      // script-controlled payloads in browsers (RFC 6455 §10.3), which an agent's frames are not.
      generateMask: zeroMask,
    });
    socket.binaryType = 'nodebuffer';
    const link: Link = {
      socket,
      phase: 'handshake',
      failure: undefined,
      awaitingPong: false,
      handshakeTimer: undefined,
      pingTimer: undefined,
    };
    this.#link = link;
    link.handshakeTimer = setTimeout(() => {
      link.failure = `no welcome within ${HANDSHAKE_TIMEOUT_MS / 1000} s`;
      socket.terminate();
    }, HANDSHAKE_TIMEOUT_MS);
    socket.on('open', () => this.#sendHello(socket));
    socket.on('message', (data, isBinary) => this.#receive(link, data, isBinary));
    socket.on('pong', () => {
      link.awaitingPong = false;
    });
    socket.on('error', (err) => {
      link.failure = describeError(err);
    });
    socket.on('close', (code, reason) => this.#closed(link, code, reason.toString()));
  }

  #closed(link: Link, code: number, reason: string): void {
    clearTimeout(link.handshakeTimer);
    clearInterval(link.pingTimer);
    if (link !== this.#link) return;
    this.#link = undefined;
    const wasOpen = link.phase === 'open';
    if (wasOpen) {
      this.#opts.outbox.detach();
      this.#opts.events.closed();
    }
    if (this.#stopped) return;
    const delay = this.#backoff.next();
    const why = link.failure ?? `closed with code ${code}${reason === '' ? '' : ` (${reason})`}`;
    const what = wasOpen ? `lost the connection to ${this.#endpoint}` : `could not connect to ${this.#endpoint}`;
    this.#current = (this.#current + 1) % this.#opts.endpoints.length;
    const next = this.#opts.endpoints.length > 1 ? ` with ${this.#endpoint}` : '';
    log(`${what}: ${why}; retrying${next} in ${(delay / 1000).toFixed(1)} s`);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /** A controller that vanished without closing TCP shows up as a missing pong. */
  #startPings(link: Link, intervalMs: number): void {
    link.pingTimer = setInterval(
      () => {
        if (link.awaitingPong) {
          link.failure = 'the controller stopped answering pings';
          link.socket.terminate();
          return;
        }
        link.awaitingPong = true;
        link.socket.ping();
      },
      Math.max(intervalMs, MIN_PING_INTERVAL_MS),
    );
  }

  #sendHello(socket: WebSocket): void {
    const auth = this.#credential ?? { registrationToken: this.#opts.registrationToken ?? '' };
    const hello: Hello = {
      kind: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentVersion: BATCH_VERSION,
      auth,
      ...this.#opts.events.describe(),
    };
    socket.send(encodeFrame([hello]));
  }

  #receive(link: Link, data: RawData, isBinary: boolean): void {
    let messages: ControllerMessage[];
    try {
      if (!isBinary) throw new ProtocolError('text frame; frames are binary msgpack');
      const decoded = decodeControllerFrame(toBytes(data));
      for (const kind of decoded.unknownKinds) log(`ignoring a message of unknown kind "${kind}" from the controller`);
      messages = decoded.messages;
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.#violation(link, err.message);
      return;
    }
    for (const msg of messages) {
      // a message may have ended this connection (reject, violation); the rest of its frame is moot
      if (link !== this.#link || link.socket.readyState !== WebSocket.OPEN) return;
      this.#dispatch(link, msg);
    }
  }

  #dispatch(link: Link, msg: ControllerMessage): void {
    if (link.phase === 'handshake' && msg.kind !== 'welcome' && msg.kind !== 'reject') {
      this.#violation(link, `"${msg.kind}" before welcome`);
      return;
    }
    switch (msg.kind) {
      case 'welcome':
        if (link.phase === 'open') this.#violation(link, 'a second welcome');
        else this.#welcome(link, msg);
        return;
      case 'reject':
        this.#reject(link, msg);
        return;
      case 'startAttempt':
        this.#opts.events.startAttempt(msg, this.#nodeId);
        return;
      case 'killAttempt':
        this.#opts.events.killAttempt(msg);
        return;
      case 'ack':
        this.#opts.events.ack(msg);
        return;
      case 'uploadGrant':
        this.#opts.events.uploadGrant(msg);
        return;
      default:
        assertNever(msg);
    }
  }

  #welcome(link: Link, welcome: Welcome): void {
    if (welcome.credential === undefined && this.#credential === undefined) {
      this.#violation(link, 'welcome without a credential in answer to a registration token');
      return;
    }
    clearTimeout(link.handshakeTimer);
    link.phase = 'open';
    this.#nodeId = welcome.nodeId;
    this.#backoff.reset();
    if (welcome.credential !== undefined) this.#store({ nodeId: welcome.nodeId, credential: welcome.credential });
    log(
      `connected to ${this.#endpoint} as node ${welcome.nodeId} (controller ${welcome.controllerVersion}, protocol ${welcome.protocolVersion})`,
    );
    this.#opts.outbox.attach(link.socket);
    this.#startPings(link, welcome.heartbeatIntervalMs);
    this.#opts.events.opened(welcome);
  }

  /** The new identity is used at once; losing it on disk would orphan the node, so that is fatal. */
  #store(credential: NodeCredential): void {
    this.#credential = credential;
    const { credentials, events } = this.#opts;
    credentials.save(credential).then(
      async () => {
        log(`registered as node ${credential.nodeId}; credential stored in ${credentials.path}`);
        const tokenFile = this.#opts.registrationTokenFile;
        if (tokenFile === undefined) return;
        await rm(tokenFile, { force: true }).catch((err: unknown) =>
          log(`could not remove the spent registration token file ${tokenFile}: ${describeError(err)}`),
        );
      },
      (err: unknown) =>
        events.fatal(EXIT_FAILURE, `cannot store the node credential in ${credentials.path}: ${describeError(err)}`),
    );
  }

  #reject(link: Link, reject: Reject): void {
    log(`the controller rejected this agent: ${reject.code}: ${reject.message}`);
    const storedCredential = link.phase === 'handshake' ? this.#credential : undefined;
    if (reject.code === 'PROTOCOL_UNSUPPORTED') {
      this.#fatal(link, `the controller does not accept protocol ${PROTOCOL_VERSION}: ${reject.message}`);
    } else if (
      reject.code === 'UNAUTHENTICATED' &&
      storedCredential !== undefined &&
      this.#opts.registrationToken !== undefined
    ) {
      log(
        `dropping the stored credential of node ${storedCredential.nodeId}; registering again with the registration token`,
      );
      this.#credential = undefined;
      const { credentials, events } = this.#opts;
      credentials
        .drop()
        .catch((err: unknown) =>
          events.fatal(EXIT_FAILURE, `cannot remove ${credentials.path}: ${describeError(err)}`),
        );
      this.#backoff.reset();
      link.failure = 'credential refused';
      hangUp(link.socket);
    } else if (!reject.retryable) {
      this.#fatal(link, `rejected for good (${reject.code}): ${reject.message}`);
    } else {
      link.failure = `rejected (${reject.code})`;
      hangUp(link.socket);
    }
  }

  #fatal(link: Link, why: string): void {
    this.#stopped = true;
    hangUp(link.socket);
    this.#opts.events.fatal(EXIT_REJECTED, why);
  }

  #violation(link: Link, what: string): void {
    link.failure = `protocol error: ${what}`;
    log(`protocol error from the controller: ${what}; reconnecting`);
    hangUp(link.socket, CLOSE_PROTOCOL_ERROR, 'protocol error');
  }
}

/** Closes politely, but does not wait the 30 s that ws allows a peer to answer the close. */
function hangUp(socket: WebSocket, code?: number, reason?: string): void {
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_WAIT_MS).unref();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
