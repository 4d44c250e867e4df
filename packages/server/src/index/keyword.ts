import { createStatementCache, type Db } from '../storage/index.js';

export interface KeywordHit {
  readonly rowId: number;
  /** Negated FTS5 bm25(): higher is better. */
  readonly score: number;
}

export interface KeywordSearch {
  readonly query: string;
  /** A WHERE fragment over `m` (memories) with its parameters, applied with the match. */
  readonly condition: { readonly sql: string; readonly params: ReadonlyArray<string | number> };
  readonly limit: number;
}

const MAX_TERMS = 64;

/**
 * English function words, left out of the OR query. IDF keeps them from scoring much per match,
 * but with OR every memory containing "what", "did" or "the" still matches and collects a little
 * score, which drowns the memories that share only one rare term with a question. Contractions
 * appear split the way the tokenizer splits them ("didn't" → "didn", "t"). Content words that
 * double as function words ("won", "may", "will") are kept.
 */
const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below between both
   but by can could couldn d did didn do does doesn doing don down during each few for from further had hadn has hasn
   have haven having he her here hers herself him himself his how i if in into is isn it its itself just ll m me
   more most my myself no nor not now o of off on once only or other our ours ourselves out over own re s same she
   should shouldn so some such t than that the their theirs them themselves then there these they this those through
   to too under until up ve very was wasn we were weren what when where which while who whom why with would wouldn
   you your yours yourself yourselves`.split(/\s+/),
);

/**
 * Free text → an FTS5 query. Every term is quoted (so user text can never inject FTS5
 * syntax) and terms are OR-ed: BM25 then ranks documents by how many rare terms they share.
 * Stopwords are dropped unless the text has nothing else ("who are you" still matches).
 */
export function toFtsQuery(text: string): string | null {
  const terms = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = terms.filter((term) => !STOPWORDS.has(term));
  const chosen = (content.length > 0 ? content : terms).slice(0, MAX_TERMS);
  if (chosen.length === 0) return null;
  return chosen.map((term) => `"${term}"`).join(' OR ');
}

/** Prepared statements kept, two per filter shape (the SQL differs only by filter shape). */
const STATEMENT_CACHE_SIZE = 64;

/**
 * The first pass ranks this many times `limit` matches by BM25 alone. Reading each match's
 * memory row to apply the filter costs about a microsecond per match, which dominates a query
 * that matches thousands of memories; ranking first and filtering only the best few hundred
 * gives the same answer whenever enough of them pass the filter, and falls back otherwise.
 */
const OVERFETCH = 8;

interface Ranked { readonly row_id: number; readonly score: number }

export function createKeywordIndex(db: Db) {
  const rankAll = db.prepare<[string, number], Ranked>(
    `SELECT rowid AS row_id, -bm25(memories_fts) AS score FROM memories_fts
      WHERE memories_fts MATCH ? ORDER BY bm25(memories_fts), rowid LIMIT ?`,
  );
  const prepared = createStatementCache(db, STATEMENT_CACHE_SIZE);
  /** Which of the given row ids (a JSON array) pass the filter. */
  const passing = (conditionSql: string) =>
    // NOT INDEXED: look rows up by id, never by scanning the namespace index.
    prepared<{ row_id: number }>(
      `SELECT m.row_id AS row_id FROM memories m NOT INDEXED
        WHERE m.row_id IN (SELECT value FROM json_each(?)) AND ${conditionSql}`,
    );
  /** Match, filter and rank in one go, for when the first pass left too few. */
  const full = (conditionSql: string) =>
    // CROSS JOIN fixes the join order: one full-text query, then each match's row checked
    // against the filter. Left to itself, SQLite may walk the namespace's rows by index
    // and re-run the full-text query once per row, which grows with the namespace.
    prepared<Ranked>(
      `SELECT m.row_id AS row_id, -bm25(memories_fts) AS score
         FROM memories_fts CROSS JOIN memories m ON m.row_id = memories_fts.rowid
        WHERE memories_fts MATCH ? AND ${conditionSql}
        ORDER BY bm25(memories_fts), m.row_id
        LIMIT ?`,
    );

  return {
    search({ query, condition, limit }: KeywordSearch): KeywordHit[] {
      const match = toFtsQuery(query);
      if (match === null) return [];
      const window = limit * OVERFETCH;
      const ranked = rankAll.all(match, window);
      const rankedIds = JSON.stringify(ranked.map((r) => r.row_id));
      const allowed = new Set(ranked.length === 0 ? [] : passing(condition.sql).all(rankedIds, ...condition.params).map((r) => r.row_id));
      let rows = ranked.filter((r) => allowed.has(r.row_id)).slice(0, limit);
      // Too few passed, and more matches lie beyond the window: rank with the filter applied.
      if (rows.length < limit && ranked.length === window) rows = full(condition.sql).all(match, ...condition.params, limit);
      return rows.map((row) => ({ rowId: row.row_id, score: row.score }));
    },
  };
}

export type KeywordIndex = ReturnType<typeof createKeywordIndex>;
