/**
 * Posting lists read from SQLite, kept per namespace until that namespace's keyword index changes.
 * Queries share most of their terms (names, topics), so the lists of a namespace that is read more
 * than written are read from SQLite once instead of on every Recall. Bounded by the number of
 * postings held, least recently used first out.
 */
export interface PostingsCache<P> {
  /** The list of `term` in namespace `nsId`, from the cache or from `read` (then kept). */
  get(nsId: number, term: string, read: () => P[]): readonly P[];
  /** The list when it is held, without reading it. */
  peek(nsId: number, term: string): readonly P[] | undefined;
  /** Forgets every list of a namespace: call on every change to its index, before it is read again. */
  invalidate(nsId: number): void;
}

export const DEFAULT_MAX_CACHED_POSTINGS = 500_000;

export function createPostingsCache<P>(maxPostings = DEFAULT_MAX_CACHED_POSTINGS): PostingsCache<P> {
  /** In least recently used order (a Map keeps insertion order). */
  const entries = new Map<string, { readonly nsId: number; readonly list: readonly P[] }>();
  const keysOf = new Map<number, Set<string>>();
  let held = 0;

  const keyOf = (nsId: number, term: string) => `${nsId}\t${term}`;
  const drop = (key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    held -= entry.list.length;
    keysOf.get(entry.nsId)?.delete(key);
  };
  const keep = (nsId: number, key: string, list: readonly P[]): void => {
    entries.set(key, { nsId, list });
    held += list.length;
    let keys = keysOf.get(nsId);
    if (keys === undefined) keysOf.set(nsId, (keys = new Set()));
    keys.add(key);
    for (const oldest of entries.keys()) {
      if (held <= maxPostings) break;
      drop(oldest);
    }
  };

  return {
    get(nsId, term, read) {
      const key = keyOf(nsId, term);
      const entry = entries.get(key);
      if (entry !== undefined) {
        entries.delete(key);
        entries.set(key, entry);
        return entry.list;
      }
      const list = read();
      if (list.length <= maxPostings) keep(nsId, key, list);
      return list;
    },
    peek: (nsId, term) => entries.get(keyOf(nsId, term))?.list,
    invalidate(nsId) {
      const keys = keysOf.get(nsId);
      if (keys === undefined) return;
      for (const key of [...keys]) drop(key);
      keysOf.delete(nsId);
    },
  };
}
