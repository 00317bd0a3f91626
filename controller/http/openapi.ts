/**
 * The OpenAPI document, made from the routes themselves (each is served and documented by one
 * `serve` call, route.ts) and the protocol's schemas, whose `meta({ id })` names them as shared
 * components. Served at /v1/openapi.json without a token: it describes the API, it holds no data.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { BATCH_VERSION } from '../../protocol/version.js';
import type { AppEnv } from './auth.js';

export const TAGS = [
  { name: 'Jobs', description: 'Submit, watch, stop, restart and delete jobs; their instances and logs' },
  { name: 'Templates', description: 'Named, reusable task definitions' },
  { name: 'Compute environments', description: 'Sets of nodes, how they are made, and their registration tokens' },
  { name: 'Nodes', description: 'The hosts that run instances; drain, undrain, delete' },
  { name: 'Schedules', description: 'Cron schedules that submit a job at each tick' },
  { name: 'Users', description: 'Users and their quotas (admin)' },
  { name: 'Tokens', description: 'API tokens' },
  { name: 'Audit', description: 'Security events (admin)' },
  { name: 'Events', description: 'State changes as server-sent events' },
  { name: 'Objects', description: 'Object storage through the controller (oss:// URLs)' },
  { name: 'Controllers', description: 'The controllers sharing the database and the duties each holds (admin)' },
  { name: 'Signed URLs', description: "The local object store's presigned URLs: the signature is the credential" },
  { name: 'Operations', description: 'Probes, metrics and this document' },
] as const;

export type Tag = (typeof TAGS)[number]['name'];

export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (`bat_…`): `batchctl tokens create`, or the admin token the controller printed',
  });
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Batch API',
      version: BATCH_VERSION,
      description: 'Batch compute: DAG jobs of parallel task instances scheduled onto agent nodes. See docs/api.md.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: '/', description: 'The controller that served this document' }],
    security: [{ bearer: [] }],
    tags: [...TAGS],
  });
}
