/** Task templates: named, reusable task definitions, each owned by one user and seen only by them. */
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Template } from '../../protocol/api.js';
import { BatchError, notFound } from '../../protocol/errors.js';
import type { TemplateSpec } from '../../protocol/spec.js';
import type { Caller } from '../access/caller.js';
import type { Database } from '../db/client.js';
import { templates, users } from '../db/schema.js';

type Row = Pick<typeof templates.$inferSelect, 'name' | 'spec' | 'createdAt' | 'updatedAt'> & { owner: string };

function toResource(row: Row): Template {
  return {
    name: row.name,
    owner: row.owner,
    spec: row.spec,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function select(store: Database) {
  return store.db
    .select({
      name: templates.name,
      spec: templates.spec,
      createdAt: templates.createdAt,
      updatedAt: templates.updatedAt,
      owner: users.name,
    })
    .from(templates)
    .innerJoin(users, eq(users.id, templates.ownerId));
}

export async function getTemplate(store: Database, caller: Caller, name: string): Promise<Template> {
  const [row] = await select(store).where(and(eq(templates.ownerId, caller.id), eq(templates.name, name)));
  if (!row) throw notFound('template', name);
  return toResource(row);
}

export async function listTemplates(
  store: Database,
  caller: Caller,
  page: { limit: number; cursor?: string },
): Promise<{ items: Template[]; next?: string }> {
  const where = [eq(templates.ownerId, caller.id)];
  if (page.cursor) where.push(gt(templates.name, page.cursor));
  const rows = await select(store)
    .where(and(...where))
    .orderBy(asc(templates.name))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(toResource);
  return rows.length > page.limit ? { items, next: items[items.length - 1]!.name } : { items };
}

export async function createTemplate(store: Database, caller: Caller, spec: TemplateSpec): Promise<Template> {
  const inserted = await store.db
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
  return getTemplate(store, caller, spec.name);
}

/** Creates or replaces the caller's template of that name. */
export async function putTemplate(store: Database, caller: Caller, spec: TemplateSpec): Promise<Template> {
  await store.db
    .insert(templates)
    .values({ ownerId: caller.id, name: spec.name, spec })
    .onConflictDoUpdate({ target: [templates.ownerId, templates.name], set: { spec, updatedAt: new Date() } });
  return getTemplate(store, caller, spec.name);
}

export async function deleteTemplate(store: Database, caller: Caller, name: string): Promise<void> {
  const deleted = await store.db
    .delete(templates)
    .where(and(eq(templates.ownerId, caller.id), eq(templates.name, name)))
    .returning({ name: templates.name });
  if (deleted.length === 0) throw notFound('template', name);
}
