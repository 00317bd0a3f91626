import type { List } from '../protocol/api.js';
/** Yields every item of a paginated list, fetching page after page by passing `next` back. */
export declare function paginate<T>(fetchPage: (cursor: string | undefined) => Promise<List<T>>): AsyncGenerator<T>;
/** Collects a paginated list into one `{ items }` (no `next`: there is no page left). */
export declare function collectAll<T>(fetchPage: (cursor: string | undefined) => Promise<List<T>>): Promise<List<T>>;
