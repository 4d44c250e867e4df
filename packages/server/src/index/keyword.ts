import type { Db } from '../storage/index.js';

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
 * Free text → an FTS5 query. Every term is quoted (so user text can never inject FTS5
 * syntax) and terms are OR-ed: BM25 then ranks documents by how many rare terms they share.
 */
export function toFtsQuery(text: string): string | null {
  const terms = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(terms)].slice(0, MAX_TERMS);
  if (unique.length === 0) return null;
  return unique.map((term) => `"${term}"`).join(' OR ');
}

export function createKeywordIndex(db: Db) {
  return {
    search({ query, condition, limit }: KeywordSearch): KeywordHit[] {
      const match = toFtsQuery(query);
      if (match === null) return [];
      const rows = db
        .prepare<Array<string | number>, { row_id: number; score: number }>(
          `SELECT m.row_id AS row_id, -bm25(memories_fts) AS score
             FROM memories_fts JOIN memories m ON m.row_id = memories_fts.rowid
            WHERE memories_fts MATCH ? AND ${condition.sql}
            ORDER BY bm25(memories_fts), m.row_id
            LIMIT ?`,
        )
        .all(match, ...condition.params, limit);
      return rows.map((row) => ({ rowId: row.row_id, score: row.score }));
    },
  };
}

export type KeywordIndex = ReturnType<typeof createKeywordIndex>;
