/**
 * Every request, observed once it is answered: the access log line (method, route pattern,
 * status, duration, user name) and the request histogram. Neither holds a token, a header value,
 * a query string or a body: the route is the pattern a request matched (`/v1/jobs/:id`), never
 * its path, which keeps both the log and the metric's labels free of ids and bounded.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { Caller } from '../access/caller.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/instruments.js';
import type { AppEnv } from './auth.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Polled by probes and Prometheus every few seconds: logged at debug level only. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export function observeRequests(log: Logger, metrics: Metrics) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      const route = routePattern(c);
      const status = c.res.status;
      metrics.httpRequests.observe({ method, route, status: String(status) }, seconds);
      const line = `${method} ${route} ${status} ${(seconds * 1000).toFixed(1)} ms`;
      const fields = {
        method,
        route,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        // Unset when the request never got past authentication (hono types it as always set).
        user: (c.get('caller') as Caller | undefined)?.name,
      };
      if (QUIET_ROUTES.has(route)) log.debug(line, fields);
      else log.info(line, fields);
    }
  });
}

/** The pattern of the handler the request matched; `(unmatched)` for a 404 without one. */
function routePattern(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  // The handler that answered, when one did (the console's catch-all `/*` matches every GET after it).
  const answered = routes[c.req.routeIndex];
  if (answered && answered.method !== 'ALL') return answered.path;
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return '(unmatched)';
}
