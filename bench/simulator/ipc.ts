/**
 * The harness ↔ simulator IPC messages (over the fork channel). Requests carry an id; the
 * simulator answers each with a reply of the same id. `reached` is pushed unasked.
 */

export interface FleetOptions {
  /** The controller's base URL (http://…); the simulator connects to `<url>/v1/agent`. */
  url: string;
  registrationToken: string;
  nodes: number;
  /** Capacity each node offers. */
  cpu: number;
  /** Connections opened at a time: the next batch starts when this one is welcomed. */
  connectBatch: number;
  /** Send one small stdout logChunk per attempt (before its final status). */
  logChunk: boolean;
  /** Keep per-job timings (start received, RUNNING acked, final acked) for latency scenarios. */
  recordTimings: boolean;
  /** Validate every controller frame against the catalogue (decodeControllerFrame); costs simulator CPU. */
  validate: boolean;
}

/**
 * Spool mode (the `provision` scenario): no nodes at first; a node per create request the
 * `command` provider's program leaves in `dir`, each registering with its own token, and a
 * delete request ends that node (simulator/spool.ts says how the files look).
 */
export interface SpoolOptions {
  dir: string;
  cpu: number;
  validate: boolean;
}

export interface SimCounters {
  connected: number;
  rejects: number;
  disconnects: number;
  reconnects: number;
  framesIn: number;
  framesOut: number;
  starts: number;
  /** startAttempt for an attempt this simulator had already been given. */
  duplicateStarts: number;
  kills: number;
  runningAcked: number;
  finalsAcked: number;
  logAcks: number;
  heartbeats: number;
  unknownKinds: number;
  /** Controller frames that did not decode (the connection is dropped and reopened). */
  protocolErrors: number;
  /** Spool mode: create requests taken (a node started for each) and delete requests done. */
  created: number;
  deleted: number;
  /** Spool mode: requests that could not be used (unknown host, unreadable request, failed registration). */
  spoolErrors: number;
  /** Simulator CPU seconds (user + system) and RSS, so its share of the machine is visible. */
  cpuSeconds: number;
  rssBytes: number;
}

/** Per job (each latency job has one instance): wall-clock times (ms, see clock.ts). */
export interface JobTiming {
  startReceived: number;
  runningAcked?: number;
  finalAcked?: number;
}

export type Request =
  | { id: number; type: 'connect'; options: FleetOptions }
  | { id: number; type: 'spool'; options: SpoolOptions }
  | { id: number; type: 'expectFinals'; count: number }
  | { id: number; type: 'counters' }
  | { id: number; type: 'timings' }
  | { id: number; type: 'stop' };

export type Reply =
  | { id: number; type: 'connected'; counters: SimCounters; ms: number }
  | { id: number; type: 'ok' }
  | { id: number; type: 'counters'; counters: SimCounters }
  | { id: number; type: 'timings'; byJob: Record<string, JobTiming> }
  | { id: number; type: 'error'; message: string };

export type Push = { type: 'reached'; at: number; counters: SimCounters } | { type: 'progress'; connected: number };

export type FromSimulator = Reply | Push;
