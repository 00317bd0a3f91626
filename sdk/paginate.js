/** Yields every item of a paginated list, fetching page after page by passing `next` back. */
export async function* paginate(fetchPage) {
    let cursor;
    do {
        const page = await fetchPage(cursor);
        yield* page.items;
        cursor = page.next;
    } while (cursor !== undefined);
}
/** Collects a paginated list into one `{ items }` (no `next`: there is no page left). */
export async function collectAll(fetchPage) {
    const items = [];
    for await (const item of paginate(fetchPage))
        items.push(item);
    return { items };
}
//# sourceMappingURL=paginate.js.map