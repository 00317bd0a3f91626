import type { List } from '../protocol/api.js';

/** Yields every item of a paginated list, fetching page after page by passing `next` back. */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<List<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.next;
  } while (cursor !== undefined);
}

/** Collects a paginated list into one `{ items }` (no `next`: there is no page left). */
export async function collectAll<T>(fetchPage: (cursor: string | undefined) => Promise<List<T>>): Promise<List<T>> {
  const items: T[] = [];
  for await (const item of paginate(fetchPage)) items.push(item);
  return { items };
}
