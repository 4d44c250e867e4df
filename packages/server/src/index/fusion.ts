// Hybrid recall: merge the vector ranking and the keyword (BM25) ranking into one list.
// Default is reciprocal rank fusion (Cormack et al. 2009): it needs no calibration between cosine
// similarities and BM25 scores, which live on unrelated scales. 'relative' (min-max normalised
// scores, weighted sum) keeps how far apart hits are within a list, which helps when one list has
// a clear winner, but is sensitive to outliers and list length; it is opt-in.

/** An id with a score where higher is better (negate SQLite FTS5 bm25(), which is lower-is-better). */
export interface ScoredId {
  readonly id: string;
  readonly score: number;
}

export interface FusedHit {
  readonly id: string;
  readonly score: number;
  readonly vectorScore?: number;
  readonly keywordScore?: number;
  /** 1-based rank within the vector list. */
  readonly vectorRank?: number;
  /** 1-based rank within the keyword list. */
  readonly keywordRank?: number;
}

export interface FusionLists {
  readonly vector?: readonly ScoredId[];
  readonly keyword?: readonly ScoredId[];
}

export interface FusionOptions {
  readonly method?: 'rrf' | 'relative';
  /** RRF damping constant (default 60): larger flattens the advantage of the very top ranks. */
  readonly k?: number;
  /** Per-list weights (default 1 each). */
  readonly weights?: { readonly vector?: number; readonly keyword?: number };
}

export const DEFAULT_RRF_K = 60;

interface Ranked {
  readonly id: string;
  readonly score: number;
  readonly rank: number;
  /** Min-max normalised score within its list, for the 'relative' method. */
  readonly normalized: number;
}

function byScoreThenId(a: ScoredId, b: ScoredId): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Ranks a list by score (ties by id); an id listed twice keeps its best entry. */
function rank(list: readonly ScoredId[] | undefined, name: string): Map<string, Ranked> {
  const ranked = new Map<string, Ranked>();
  if (!list || list.length === 0) return ranked;
  for (const item of list) {
    if (!Number.isFinite(item.score)) throw new RangeError(`${name} score for ${item.id} is not finite`);
  }
  const sorted = [...list].sort(byScoreThenId);
  const max = sorted[0]!.score;
  const min = sorted[sorted.length - 1]!.score;
  for (const item of sorted) {
    if (ranked.has(item.id)) continue;
    const normalized = max === min ? 1 : (item.score - min) / (max - min);
    ranked.set(item.id, { id: item.id, score: item.score, rank: ranked.size + 1, normalized });
  }
  return ranked;
}

function checkNonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

export function fuseRankings(lists: FusionLists, opts: FusionOptions = {}): FusedHit[] {
  const method = opts.method ?? 'rrf';
  const k = checkNonNegative(opts.k ?? DEFAULT_RRF_K, 'k');
  const vectorWeight = checkNonNegative(opts.weights?.vector ?? 1, 'weights.vector');
  const keywordWeight = checkNonNegative(opts.weights?.keyword ?? 1, 'weights.keyword');
  const vector = rank(lists.vector, 'vector');
  const keyword = rank(lists.keyword, 'keyword');

  const contribution = (entry: Ranked | undefined, weight: number): number => {
    if (!entry) return 0;
    return method === 'rrf' ? weight / (k + entry.rank) : weight * entry.normalized;
  };

  const ids = new Set([...vector.keys(), ...keyword.keys()]);
  const fused: FusedHit[] = [];
  for (const id of ids) {
    const v = vector.get(id);
    const kw = keyword.get(id);
    fused.push({
      id,
      score: contribution(v, vectorWeight) + contribution(kw, keywordWeight),
      ...(v && { vectorScore: v.score, vectorRank: v.rank }),
      ...(kw && { keywordScore: kw.score, keywordRank: kw.rank }),
    });
  }
  return fused.sort(byScoreThenId);
}
