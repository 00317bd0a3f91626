/**
 * postgres.js opens its sockets with Nagle's algorithm on (it never calls setNoDelay). Whenever it
 * writes twice before reading — a large Bind followed by Sync, COPY data followed by CopyDone —
 * the second write waits for the ACK of the first, and the server delays that ACK by up to 40 ms.
 * Measured here: a 4 MiB COPY took 47 ms with Nagle and 5 ms without. So the controller connects
 * the sockets itself, with noDelay, through postgres.js's `socket` option.
 */
import net from 'node:net';

/** The parts of postgres.js's parsed options that say where to connect. */
interface Target {
  host: string[];
  port: number[];
  path?: string | false;
  connect_timeout?: number | null;
}

function connectOnce(options: net.NetConnectOpts, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...options, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connecting to PostgreSQL timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      resolve(socket);
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', fail);
  });
}

/** A connected socket to the first of the configured hosts that answers (postgres.js's own order). */
export async function noDelaySocket(target: Target): Promise<net.Socket> {
  const timeoutMs = (target.connect_timeout ?? 30) * 1000;
  if (target.path) return connectOnce({ path: target.path }, timeoutMs);
  let lastError: unknown;
  for (let i = 0; i < target.host.length; i++) {
    try {
      return await connectOnce({ host: target.host[i]!, port: target.port[i] ?? target.port[0] ?? 5432 }, timeoutMs);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
