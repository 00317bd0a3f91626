/**
 * One call both serves a route and documents it, so the OpenAPI document (openapi.ts) is the
 * routes themselves. The definition documents only: parameters and bodies are read and checked
 * by the handler (body.ts, protocol/ schemas) as before, because clients rely on its error codes
 * and messages, which the library's own validators would change.
 */
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Env, Handler, MiddlewareHandler } from 'hono';
import { errorSchema } from '../../protocol/api.js';
import type { AppEnv } from './auth.js';

export type Route = RouteConfig & { operationId: string; summary: string };

/**
 * `route.path` uses OpenAPI's `{name}`; a parameter in `rest` matches the rest of the path
 * (an object key with slashes) and is mounted as hono's `*`.
 */
export function serve<P extends string, E extends Env = AppEnv>(
  app: OpenAPIHono<E>,
  route: Route & { path: P; rest?: string; use?: MiddlewareHandler<E>[] },
  handler: Handler<E, HonoPath<P>>,
): void {
  const { rest, use = [], ...definition } = route;
  app.openAPIRegistry.registerPath({ ...definition, responses: { ...definition.responses, ...errorResponses } });
  app.on([route.method.toUpperCase()], [honoPath(route.path, rest)], ...use, handler);
}

/** `/{id}/stop` as hono spells it, `/:id/stop`, so handlers know their parameters by name. */
type HonoPath<T extends string> = T extends `${infer Start}/{${infer Param}}${infer Rest}`
  ? `${Start}/:${Param}${HonoPath<Rest>}`
  : T;

export function honoPath(path: string, rest?: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => (name === rest ? '*' : `:${name}`));
}

const errorContent = { 'application/json': { schema: errorSchema } };
/** Every route may refuse a request (the error body names the code, and the field when one is at fault) or fail. */
const errorResponses = {
  '4XX': { description: 'Refused: `error.code` says why (docs/api.md lists the codes)', content: errorContent },
  '5XX': { description: 'Internal error: the controller log has the cause', content: errorContent },
};

export const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const noContent = { 204: { description: 'Done; no body' } };

/** `{ items, next? }`: a page of a list. */
export { listSchema as list } from '../../protocol/api.js';
