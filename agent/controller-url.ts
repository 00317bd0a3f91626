/**
 * Operators paste whatever URL they use for the console (`https://batch.example.com/`), or one
 * behind a path prefix (`https://proxy/batch`), or the gateway URL itself. All of them name the
 * same WebSocket endpoint, `/v1/agent` below that path.
 */
const AGENT_PATH = '/v1/agent';
const SCHEMES: Readonly<Record<string, string>> = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };

export class InvalidControllerUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidControllerUrlError';
  }
}

export function agentEndpoint(controllerUrl: string): string {
  let url: URL;
  try {
    url = new URL(controllerUrl);
  } catch {
    throw new InvalidControllerUrlError(`"${controllerUrl}" is not a URL`);
  }
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined)
    throw new InvalidControllerUrlError(`scheme ${url.protocol} is not one of http, https, ws, wss`);
  if (url.username !== '' || url.password !== '')
    throw new InvalidControllerUrlError('must not contain a user name or password');
  const path = url.pathname.replace(/\/+$/, '');
  const base = `${scheme}//${url.host}`;
  return path.endsWith(AGENT_PATH) ? `${base}${path}` : `${base}${path}${AGENT_PATH}`;
}
