/** /v1/templates: named, reusable task definitions owned by a user. */
import { and, asc, eq, gt } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Template } from '../../protocol/api.js';
import { BatchError } from '../../protocol/errors.js';
import { nameSchema, parseOrThrow, templateSpecSchema } from '../../protocol/spec.js';
import { templates, users } from '../db/schema.js';
import type { AppEnv } from './auth.js';
import { queryInt, readJson } from './body.js';
import type { AppDeps } from './deps.js';
import { notFound } from './errors.js';

type Row = typeof templates.$inferSelect & { owner: string };

function toResource(row: Row): Template {
  return {
    name: row.name,
    owner: row.owner,
    spec: row.spec,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function templateRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.store.db;
  const select = () =>
    db
      .select({
        ownerId: templates.ownerId,
        name: templates.name,
        spec: templates.spec,
        createdAt: templates.createdAt,
        updatedAt: templates.updatedAt,
        owner: users.name,
      })
      .from(templates)
      .innerJoin(users, eq(users.id, templates.ownerId));
  const find = async (ownerId: string, name: string) =>
    (await select().where(and(eq(templates.ownerId, ownerId), eq(templates.name, name))))[0];

  app.post('/', async (c) => {
    const caller = c.get('caller');
    const spec = parseOrThrow(templateSpecSchema, await readJson(c));
    const inserted = await db
      .insert(templates)
      .values({ ownerId: caller.id, name: spec.name, spec })
      .onConflictDoNothing()
      .returning({ name: templates.name });
    if (inserted.length === 0) {
      throw new BatchError(
        'CONFLICT',
        `template "${spec.name}" already exists; replace it with PUT /v1/templates/${spec.name}`,
        'name',
      );
    }
    return c.json(toResource((await find(caller.id, spec.name))!), 201);
  });

  app.put('/:name', async (c) => {
    const caller = c.get('caller');
    const name = parseOrThrow(nameSchema, c.req.param('name'), ['name']);
    const body = await readJson(c);
    const spec = parseOrThrow(templateSpecSchema, { ...(body as object), name });
    if (typeof body === 'object' && body !== null && 'name' in body && body.name !== name) {
      throw new BatchError(
        'VALIDATION',
        `name: the body names "${String(body.name)}" but the URL names "${name}"`,
        'name',
      );
    }
    await db
      .insert(templates)
      .values({ ownerId: caller.id, name, spec })
      .onConflictDoUpdate({
        target: [templates.ownerId, templates.name],
        set: { spec, updatedAt: new Date() },
      });
    return c.json(toResource((await find(caller.id, name))!));
  });

  app.get('/', async (c) => {
    const caller = c.get('caller');
    const limit = queryInt(c, 'limit', 100, 1, 1000);
    const cursor = c.req.query('cursor');
    const where = [eq(templates.ownerId, caller.id)];
    if (cursor) where.push(gt(templates.name, cursor));
    const rows = await select()
      .where(and(...where))
      .orderBy(asc(templates.name))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const out: { items: Template[]; next?: string } = { items: page.map(toResource) };
    if (rows.length > limit) out.next = page[page.length - 1]!.name;
    return c.json(out);
  });

  app.get('/:name', async (c) => {
    const row = await find(c.get('caller').id, c.req.param('name'));
    if (!row) throw notFound('template', c.req.param('name'));
    return c.json(toResource(row));
  });

  app.delete('/:name', async (c) => {
    const deleted = await db
      .delete(templates)
      .where(and(eq(templates.ownerId, c.get('caller').id), eq(templates.name, c.req.param('name'))))
      .returning({ name: templates.name });
    if (deleted.length === 0) throw notFound('template', c.req.param('name'));
    return c.body(null, 204);
  });

  return app;
}
