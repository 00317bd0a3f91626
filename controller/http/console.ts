/**
 * The web console (console/, built by Vite into dist/console/www): `/assets/*` are content-hashed
 * files, cached for good; every other GET outside the API answers index.html, uncached, so a deep
 * link or a reload of any console page (history routing) lands in the app, and a new build is
 * picked up at the next load. Every console response carries a strict Content-Security-Policy:
 * the console runs only its own scripts and styles and talks only to this origin.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import type { AppEnv } from './auth.js';

/** Where `make build` puts the console, seen from dist/controller/http/. */
export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/www');

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // data: for the empty favicon and the SVG masks in the graph library's stylesheet
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** A hashed asset's name: no directories, no dot files, so nothing outside assets/ can be named. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Paths that belong to the API and the probes: an unknown one is the API's JSON 404, never the console. */
const NOT_CONSOLE = /^\/(v1|signed|metrics|healthz|readyz)(\/|$)/;

export function consoleRoutes(root: string = CONSOLE_DIR) {
  const app = new Hono<AppEnv>();

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = CONTENT_TYPES[path.extname(name)];
    if (!ASSET_NAME.test(name) || !type) return c.notFound();
    const body = await readOrUndefined(path.join(root, 'assets', name));
    if (!body) return c.notFound();
    return c.body(new Uint8Array(body), 200, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });

  app.get('*', async (c) => {
    if (NOT_CONSOLE.test(c.req.path)) return c.notFound();
    return indexHtml(c, root);
  });
  return app;
}

async function indexHtml(c: Context<AppEnv>, root: string) {
  const html = await readOrUndefined(path.join(root, 'index.html'));
  if (!html) {
    return c.text('The console is not built: run `make build` (it runs the Vite build into dist/console/www).', 404, {
      ...SECURITY_HEADERS,
      'cache-control': 'no-cache',
    });
  }
  return c.body(new Uint8Array(html), 200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    // Revalidated at every load: it names the current build's hashed assets.
    'cache-control': 'no-cache',
  });
}

async function readOrUndefined(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
