/** One page of a paged RPC: its items and the token of the next page ('' after the last). */
export interface Page<Item> {
  readonly items: readonly Item[];
  readonly nextPageToken: string;
}

/**
 * Every item of a paged RPC from `pageToken` on, fetching each page only when the loop asks for
 * its first item; breaking out of the loop fetches nothing more.
 */
export async function* allPages<Item>(
  fetchPage: (pageToken: string) => Promise<Page<Item>>,
  pageToken = '',
): AsyncGenerator<Item, void, undefined> {
  let token = pageToken;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.nextPageToken;
  } while (token !== '');
}
