/**
 * Frames on the wire: a msgpack array of messages. Decoding validates every message against the
 * catalogue; a frame that is oversized, not msgpack, not an array, or holds a known kind with a
 * bad shape is a protocol error (the receiver closes that one connection). Unknown kinds are
 * returned separately so the receiver can log and ignore them.
 */
import { Packr } from 'msgpackr';
import type { z } from 'zod';
import { formatPath } from './errors.js';
import {
  agentMessageSchema,
  AGENT_MESSAGE_KINDS,
  controllerMessageSchema,
  CONTROLLER_MESSAGE_KINDS,
  MAX_FRAME_BYTES,
  MAX_MESSAGES_PER_FRAME,
  type AgentMessage,
  type ControllerMessage,
} from './messages.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface Decoded<M> {
  messages: M[];
  unknownKinds: string[];
}

export function encodeFrame(messages: readonly (AgentMessage | ControllerMessage)[]): Uint8Array {
  // msgpackr returns a Buffer, a type this Node-free package cannot name; a Buffer is a Uint8Array.
  const bytes = packr.pack(messages) as Uint8Array;
  if (bytes.byteLength > MAX_FRAME_BYTES)
    throw new ProtocolError(`frame of ${bytes.byteLength} bytes exceeds ${MAX_FRAME_BYTES}`);
  return bytes;
}

function decodeWith<M>(bytes: Uint8Array, schema: z.ZodType<M>, known: ReadonlySet<string>): Decoded<M> {
  if (bytes.byteLength > MAX_FRAME_BYTES)
    throw new ProtocolError(`frame of ${bytes.byteLength} bytes exceeds ${MAX_FRAME_BYTES}`);
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw new ProtocolError(`frame is not valid msgpack: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new ProtocolError('frame must be an array of messages');
  if (raw.length > MAX_MESSAGES_PER_FRAME)
    throw new ProtocolError(`frame holds more than ${MAX_MESSAGES_PER_FRAME} messages`);
  const out: Decoded<M> = { messages: [], unknownKinds: [] };
  raw.forEach((entry, i) => {
    const kind = typeof entry === 'object' && entry !== null ? (entry as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string') throw new ProtocolError(`message ${i} has no kind`);
    if (!known.has(kind)) {
      out.unknownKinds.push(kind);
      return;
    }
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ProtocolError(
        `message ${i} (${kind}) invalid at ${formatPath(issue.path) || '(root)'}: ${issue.message}`,
      );
    }
    out.messages.push(parsed.data);
  });
  return out;
}

/** Controller side: decode what an agent sent. */
export function decodeAgentFrame(bytes: Uint8Array): Decoded<AgentMessage> {
  return decodeWith(bytes, agentMessageSchema as z.ZodType<AgentMessage>, AGENT_MESSAGE_KINDS);
}

/** Agent side: decode what the controller sent. */
export function decodeControllerFrame(bytes: Uint8Array): Decoded<ControllerMessage> {
  return decodeWith(bytes, controllerMessageSchema as z.ZodType<ControllerMessage>, CONTROLLER_MESSAGE_KINDS);
}
