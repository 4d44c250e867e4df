// Keyword search: BM25F over an inverted index kept in SQLite, with statistics per namespace.
//
// SQLite FTS5 keeps one set of statistics (document count, document frequencies, average length)
// for its whole table, so one tenant's writes shifted every other tenant's ranking. Here each
// namespace has its own: keyword_namespaces (documents and tokens), keyword_terms (documents per
// term) and keyword_postings (term → memory, with the counts BM25 needs), all maintained in the
// writer's transaction. A memory is indexed by two fields: its own text and its context (what
// memory/thread-index.ts puts around it: thread neighbours and the date it happened), the latter
// weighted down (BM25F, Robertson et al. 2004: field-weighted counts, one saturation).
import { createStatementCache, type Db } from '../storage/index.js';
import { createPostingsCache } from './postings-cache.js';
import { countTerms, queryTerms } from './terms.js';

export interface KeywordHit {
  readonly rowId: number;
  /** BM25F relevance, higher is better. */
  readonly score: number;
}

export interface KeywordSearch {
  readonly namespace: string;
  readonly query: string;
  /** A WHERE fragment over `m` (memories) with its parameters, applied to the ranked matches. */
  readonly condition: { readonly sql: string; readonly params: ReadonlyArray<string | number> };
  readonly limit: number;
}

/** What a memory is found by: its own words, and the words around it (weighted down). */
export interface IndexedText {
  readonly own: string;
  readonly context: string;
}

export interface KeywordSettings {
  /** BM25 term-frequency saturation. */
  readonly k1: number;
  /** BM25 length normalisation (0 none, 1 full). */
  readonly b: number;
  /** How much an occurrence in the context field counts against one in the memory's own text. */
  readonly contextWeight: number;
}

/**
 * k1 and b are the customary values; LoCoMo dev moved by under 0.01 recall@10 across k1 0.8-1.8
 * and b 0.4-0.9. Context weight 0.3: 0.15, 0.3 and 0.5 all gain over no context (see README).
 */
export const DEFAULT_KEYWORD_SETTINGS: KeywordSettings = { k1: 1.2, b: 0.75, contextWeight: 0.3 };

/** Query terms beyond this many are dropped, the most common first: rare terms and names stay. */
const MAX_QUERY_TERMS = 32;

/** Memories checked against the filter at once while walking the ranking. */
const FILTER_PAGE = 64;

interface NamespaceStats {
  readonly ns_id: number;
  readonly docs: number;
  readonly own_tokens: number;
  readonly context_tokens: number;
}

interface Posting {
  readonly row_id: number;
  readonly own_tf: number;
  readonly context_tf: number;
  readonly own_tokens: number;
  readonly context_tokens: number;
}

interface QueryTerm {
  readonly term: string;
  readonly idf: number;
}

/** Lucene's BM25 IDF: never negative, so a term in most memories still counts a little. */
function idf(docs: number, withTerm: number): number {
  return Math.log(1 + (docs - withTerm + 0.5) / (withTerm + 0.5));
}

export function createKeywordIndex(db: Db, settings: KeywordSettings = DEFAULT_KEYWORD_SETTINGS) {
  const { k1, b, contextWeight } = settings;
  const namespaceStats = db.prepare<[string], NamespaceStats>('SELECT * FROM keyword_namespaces WHERE namespace = ?');
  const addNamespace = db.prepare<[string], { ns_id: number }>(
    'INSERT INTO keyword_namespaces (namespace, docs, own_tokens, context_tokens) VALUES (?, 0, 0, 0) RETURNING ns_id',
  );
  const changeNamespace = db.prepare<[number, number, number, number]>(
    'UPDATE keyword_namespaces SET docs = docs + ?, own_tokens = own_tokens + ?, context_tokens = context_tokens + ? WHERE ns_id = ?',
  );
  const docOf = db.prepare<[number], { ns_id: number; own_tokens: number; context_tokens: number; terms: string }>(
    'SELECT ns_id, own_tokens, context_tokens, terms FROM keyword_docs WHERE row_id = ?',
  );
  const insertDoc = db.prepare<[number, number, number, number, string]>(
    'INSERT INTO keyword_docs (row_id, ns_id, own_tokens, context_tokens, terms) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteDoc = db.prepare<[number]>('DELETE FROM keyword_docs WHERE row_id = ?');
  const insertPosting = db.prepare<[number, string, number, number, number, number, number]>(
    `INSERT INTO keyword_postings (ns_id, term, row_id, own_tf, context_tf, own_tokens, context_tokens)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const deletePosting = db.prepare<[number, string, number]>('DELETE FROM keyword_postings WHERE ns_id = ? AND term = ? AND row_id = ?');
  const addTermDoc = db.prepare<[number, string]>(
    'INSERT INTO keyword_terms (ns_id, term, docs) VALUES (?, ?, 1) ON CONFLICT (ns_id, term) DO UPDATE SET docs = docs + 1',
  );
  const dropTermDoc = db.prepare<[number, string]>('UPDATE keyword_terms SET docs = docs - 1 WHERE ns_id = ? AND term = ?');
  const deleteUnusedTerm = db.prepare<[number, string]>('DELETE FROM keyword_terms WHERE ns_id = ? AND term = ? AND docs <= 0');
  const termDocs = db.prepare<[number, string], { term: string; docs: number }>(
    'SELECT term, docs FROM keyword_terms WHERE ns_id = ? AND term IN (SELECT value FROM json_each(?))',
  );
  const postings = db.prepare<[number, string], Posting>(
    'SELECT row_id, own_tf, context_tf, own_tokens, context_tokens FROM keyword_postings WHERE ns_id = ? AND term = ?',
  );
  const postingsAmong = db.prepare<[number, string, string], Posting>(
    `SELECT row_id, own_tf, context_tf, own_tokens, context_tokens FROM keyword_postings
      WHERE ns_id = ? AND term = ? AND row_id IN (SELECT value FROM json_each(?))`,
  );
  const unindexed = db.prepare<[number], { row_id: number }>(
    'SELECT m.row_id FROM memories m WHERE NOT EXISTS (SELECT 1 FROM keyword_docs d WHERE d.row_id = m.row_id) ORDER BY m.row_id LIMIT ?',
  );
  const prepared = createStatementCache(db);
  const cached = createPostingsCache<Posting>();
  /** Which of the given row ids (a JSON array) pass a filter; NOT INDEXED: look rows up by id. */
  const passing = (conditionSql: string) =>
    prepared<{ row_id: number }>(
      `SELECT m.row_id AS row_id FROM memories m NOT INDEXED WHERE m.row_id IN (SELECT value FROM json_each(?)) AND ${conditionSql}`,
    );

  function namespaceId(namespace: string): number {
    return namespaceStats.get(namespace)?.ns_id ?? (addNamespace.get(namespace) as { ns_id: number }).ns_id;
  }

  /** Takes a memory out of the index (and its namespace's statistics); a no-op when it is not in. */
  function remove(rowId: number): void {
    const doc = docOf.get(rowId);
    if (doc === undefined) return;
    cached.invalidate(doc.ns_id);
    for (const term of JSON.parse(doc.terms) as string[]) {
      deletePosting.run(doc.ns_id, term, rowId);
      dropTermDoc.run(doc.ns_id, term);
      deleteUnusedTerm.run(doc.ns_id, term);
    }
    deleteDoc.run(rowId);
    changeNamespace.run(-1, -doc.own_tokens, -doc.context_tokens, doc.ns_id);
  }

  /** BM25F contribution of one posting: field-weighted count, saturated once, length-normalised. */
  function scorer(stats: NamespaceStats) {
    const averageLength = (stats.own_tokens + contextWeight * stats.context_tokens) / Math.max(1, stats.docs) || 1;
    return (term: QueryTerm, p: Posting): number => {
      const tf = p.own_tf + contextWeight * p.context_tf;
      const length = p.own_tokens + contextWeight * p.context_tokens;
      return (term.idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / averageLength));
    };
  }

  return {
    /** Replaces a memory's entry, inside the caller's transaction. */
    index(rowId: number, namespace: string, text: IndexedText): void {
      remove(rowId);
      const own = countTerms(text.own);
      const context = countTerms(text.context);
      const terms = [...new Set([...own.counts.keys(), ...context.counts.keys()])];
      const nsId = namespaceId(namespace);
      cached.invalidate(nsId);
      for (const term of terms) {
        insertPosting.run(nsId, term, rowId, own.counts.get(term) ?? 0, context.counts.get(term) ?? 0, own.length, context.length);
        addTermDoc.run(nsId, term);
      }
      insertDoc.run(rowId, nsId, own.length, context.length, JSON.stringify(terms));
      changeNamespace.run(1, own.length, context.length, nsId);
    },

    remove,

    /** Up to `limit` memories not in the index (those written before it existed), by row id. */
    unindexed: (limit: number): number[] => unindexed.all(limit).map((r) => r.row_id),

    /**
     * The `limit` best memories passing `condition`. Query terms are scored rarest first; once the
     * terms left could not lift a memory that none of the earlier ones matched into the top
     * `limit` (their summed maximum is below the current `limit`-th score), they are only looked
     * up for the memories already found (MaxScore, Turtle & Flood 1995): the same top `limit`,
     * without reading the long posting lists of common words.
     */
    search({ namespace, query, condition, limit }: KeywordSearch): KeywordHit[] {
      const stats = namespaceStats.get(namespace);
      const words = queryTerms(query);
      if (stats === undefined || stats.docs === 0 || words.length === 0) return [];
      const terms: QueryTerm[] = termDocs
        .all(stats.ns_id, JSON.stringify(words))
        .map((row) => ({ term: row.term, idf: idf(stats.docs, row.docs) }))
        .sort((x, y) => y.idf - x.idf || (x.term < y.term ? -1 : 1))
        .slice(0, MAX_QUERY_TERMS);
      const score = scorer(stats);
      const scores = new Map<number, number>();
      const passes = createFilterCheck(passing(condition.sql), condition.params);
      // remaining[i]: the most terms i.. can add to any memory (tf → ∞ gives idf · (k1 + 1)).
      const remaining = terms.map((_, i) => terms.slice(i).reduce((sum, t) => sum + t.idf * (k1 + 1), 0));
      let best = 0;
      let i = 0;
      for (; i < terms.length; i++) {
        // The cheap test first: nothing can be pruned while the bound exceeds even the best score.
        if (i > 0 && scores.size >= limit && remaining[i]! < best && remaining[i]! < kthPassingScore(scores, limit, passes)) break;
        for (const p of cached.get(stats.ns_id, terms[i]!.term, () => postings.all(stats.ns_id, terms[i]!.term))) {
          const total = (scores.get(p.row_id) ?? 0) + score(terms[i]!, p);
          scores.set(p.row_id, total);
          if (total > best) best = total;
        }
      }
      if (i < terms.length) {
        let candidates: string | undefined;
        for (const term of terms.slice(i)) {
          // A held list is scanned; otherwise SQLite reads only the candidates' postings.
          const held = cached.peek(stats.ns_id, term.term);
          for (const p of held ?? postingsAmong.all(stats.ns_id, term.term, (candidates ??= JSON.stringify([...scores.keys()])))) {
            const sum = scores.get(p.row_id);
            if (sum !== undefined) scores.set(p.row_id, sum + score(term, p));
          }
        }
      }
      return topPassing(scores, limit, passes).map(([rowId, s]) => ({ rowId, score: s }));
    },
  };
}

export type KeywordIndex = ReturnType<typeof createKeywordIndex>;

type FilterCheck = (rowIds: readonly number[]) => ReadonlySet<number>;

/** Checks row ids against the filter in one statement per call, remembering every answer. */
function createFilterCheck(
  statement: { all(...params: Array<string | number>): Array<{ row_id: number }> },
  params: ReadonlyArray<string | number>,
): FilterCheck {
  const known = new Map<number, boolean>();
  return (rowIds) => {
    const unknown = rowIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      const passed = new Set(statement.all(JSON.stringify(unknown), ...params).map((r) => r.row_id));
      for (const id of unknown) known.set(id, passed.has(id));
    }
    return new Set(rowIds.filter((id) => known.get(id)));
  };
}

/** Best first, ties by row id: the order every ranking here returns. */
function ranked(scores: ReadonlyMap<number, number>): Array<[number, number]> {
  return [...scores].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
}

/** The best `limit` entries that pass the filter, checking the ranking a page at a time. */
function topPassing(scores: ReadonlyMap<number, number>, limit: number, passes: FilterCheck): Array<[number, number]> {
  const order = ranked(scores);
  const top: Array<[number, number]> = [];
  for (let at = 0; at < order.length && top.length < limit; at += FILTER_PAGE) {
    const page = order.slice(at, at + FILTER_PAGE);
    const passed = passes(page.map(([id]) => id));
    for (const entry of page) if (passed.has(entry[0]) && top.length < limit) top.push(entry);
  }
  return top;
}

/** The `limit`-th best score among memories passing the filter (0 when fewer pass). */
function kthPassingScore(scores: ReadonlyMap<number, number>, limit: number, passes: FilterCheck): number {
  const top = topPassing(scores, limit, passes);
  return top.length < limit ? 0 : top[limit - 1]![1];
}
