/**
 * The agent gateway: WebSocket upgrades on `/v1/agent` of the controller's HTTP server. Until a
 * connection has authenticated it is a stranger's, and strangers are bounded: at most
 * MAX_STRANGERS_PER_ADDRESS at once from one address and MAX_STRANGERS in all; more are refused
 * with 503 before any WebSocket is made.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../../protocol/messages.js';
import { AgentSession, type GatewayDeps } from './session.js';

export const AGENT_PATH = '/v1/agent';
/**
 * Unauthenticated connections from one address. A whole fleet can share one address (a NAT
 * gateway, a proxy, the simulated fleet of the bench): 512 lets hundreds of nodes reconnect at
 * once after a controller restart, and each stranger has HELLO_TIMEOUT_MS to authenticate. (16
 * refused the bench's 200-at-a-time fleet.) Refused agents retry with backoff.
 */
export const MAX_STRANGERS_PER_ADDRESS = 512;
/** Unauthenticated connections in all: a fleet reconnecting after a controller restart says hello within seconds. */
export const MAX_STRANGERS = 4096;

export function attachGateway(server: Server, deps: GatewayDeps): WebSocketServer {
  // maxPayload: an oversized frame closes that connection (1009) before it is buffered whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const strangers = new Map<string, number>();
  let strangerCount = 0;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== AGENT_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const address = req.socket.remoteAddress ?? '?';
    if ((strangers.get(address) ?? 0) >= MAX_STRANGERS_PER_ADDRESS || strangerCount >= MAX_STRANGERS) {
      deps.peerLog.log(`refused an agent connection from ${address}: too many unauthenticated connections`);
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n\r\n');
      return;
    }
    strangers.set(address, (strangers.get(address) ?? 0) + 1);
    strangerCount += 1;
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      strangerCount -= 1;
      const left = (strangers.get(address) ?? 1) - 1;
      if (left === 0) strangers.delete(address);
      else strangers.set(address, left);
    };
    socket.once('close', uncount);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = `${address}:${req.socket.remotePort ?? '?'}`;
      new AgentSession(ws, deps, peer, uncount);
    });
  });
  return wss;
}
