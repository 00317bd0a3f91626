/**
 * How the controller serves the console: hashed assets cached for good, index.html revalidated and
 * answered for every console path (deep links), nothing outside assets/ reachable, the API's paths
 * never answered with the console, and a strict CSP on all of it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { consoleRoutes } from '../../controller/http/console.js';
import { tmpDir } from '../support/tmp.js';

function builtConsole(t: Parameters<typeof tmpDir>[0]): string {
  const root = tmpDir(t, 'batch-console-');
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(
    path.join(root, 'index.html'),
    '<!doctype html><script type="module" src="/assets/index-Ab12.js"></script>',
  );
  writeFileSync(path.join(root, 'assets', 'index-Ab12.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'secret.txt'), 'not an asset');
  return root;
}

t.test('index.html for / and every console path, revalidated, under a strict CSP', async (t) => {
  const app = consoleRoutes(builtConsole(t));
  for (const url of ['/', '/jobs', '/jobs/j-1/tasks/a/instances/0/logs?stream=stderr', '/templates/new']) {
    const res = await app.request(url);
    t.equal(res.status, 200, url);
    t.match(await res.text(), '/assets/index-Ab12.js');
    t.equal(res.headers.get('cache-control'), 'no-cache');
    t.match(res.headers.get('content-type'), 'text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    t.match(csp, "default-src 'none'");
    t.match(csp, "script-src 'self'");
    t.notMatch(csp, 'unsafe-inline', 'no inline script or style');
    t.notMatch(csp, 'unsafe-eval');
    t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  }
});

t.test('hashed assets are immutable; nothing else is served from the build', async (t) => {
  const app = consoleRoutes(builtConsole(t));
  const asset = await app.request('/assets/index-Ab12.js');
  t.equal(asset.status, 200);
  t.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  t.match(asset.headers.get('content-type'), 'text/javascript');
  t.match(asset.headers.get('content-security-policy'), "script-src 'self'");
  for (const url of [
    '/assets/missing-1.js',
    '/assets/..%2fsecret.txt',
    '/assets/.hidden.js',
    '/assets/index-Ab12.exe',
  ]) {
    t.equal((await app.request(url)).status, 404, url);
  }
});

t.test("the API's paths are never answered with the console", async (t) => {
  const app = consoleRoutes(builtConsole(t));
  for (const url of ['/v1/nope', '/v1', '/metrics/x', '/signed/abc', '/healthz/x']) {
    const res = await app.request(url);
    t.equal(res.status, 404, url);
    t.notMatch(await res.text(), '<!doctype html>', url);
  }
});

t.test('before `make build` ran, / says how to build the console', async (t) => {
  const res = await consoleRoutes(tmpDir(t, 'batch-unbuilt-')).request('/');
  t.equal(res.status, 404);
  t.match(await res.text(), 'make build');
});
