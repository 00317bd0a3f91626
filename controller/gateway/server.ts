/** The agent gateway: WebSocket upgrades on `/v1/agent` of the controller's HTTP server. */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../../protocol/messages.js';
import { AgentSession, type GatewayDeps } from './session.js';

export const AGENT_PATH = '/v1/agent';

export function attachGateway(server: Server, deps: GatewayDeps): WebSocketServer {
  // maxPayload: an oversized frame closes that connection (1009) before it is buffered whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== AGENT_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      new AgentSession(ws, deps, peer);
    });
  });
  return wss;
}
