// Hybrid recall ranking, in one place with the values production uses: how deep each list is,
// how the vector ranking and the keyword (BM25) ranking merge into one list, and how a boost
// (the HOT tier's) re-orders it. Merging is score fusion with per-list normalisation: cosine
// similarities and BM25 scores live on unrelated scales, so each list is mapped onto [0, 1] first.

/** An id with a score where higher is better. */
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
  /** The vector list's share, 0..1 (default DEFAULT_VECTOR_WEIGHT); the keyword list has the rest. */
  readonly vectorWeight?: number;
}

/**
 * Equal shares. LoCoMo dev HYBRID recall@10 with lists 50 deep by vector share: 0.3 → 0.751,
 * 0.4 → 0.763, 0.5 → 0.754, 0.6 → 0.726 (MiniLM, before date words); e5-small-v2 0.4 → 0.791,
 * 0.5 → 0.799. The flat top spans 0.4-0.5; equal shares assume nothing about either list.
 */
export const DEFAULT_VECTOR_WEIGHT = 0.5;

/**
 * Each list feeding hybrid fusion is deeper than top_k (twice, and at least this), so fusion can
 * promote what one list ranks low. LoCoMo dev HYBRID recall@10 by depth 10 / 20 / 30 / 50 / 100:
 * 0.762 / 0.771 / 0.768 / 0.767 / 0.763 with MiniLM, 0.785 / 0.784 / 0.789 / 0.802 / 0.804 with
 * e5-small-v2: 50 serves both. (Reciprocal rank fusion, k = 5, recalls the same at depth 50,
 * 0.770 through gRPC, with a lower MRR: 0.491 against 0.505.)
 */
const FUSION_DEPTH = 50;

/** How many hits each list of a hybrid recall for `topK` results should hold. */
export function fusionDepth(topK: number): number {
  return Math.max(2 * topK, FUSION_DEPTH);
}

interface Ranked {
  readonly id: string;
  readonly score: number;
  readonly rank: number;
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
  for (const item of [...list].sort(byScoreThenId)) {
    if (ranked.has(item.id)) continue;
    ranked.set(item.id, { id: item.id, score: item.score, rank: ranked.size + 1 });
  }
  return ranked;
}

function checkNonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

/**
 * Score fusion with per-list normalisation: each list's scores are mapped linearly onto [0, 1]
 * (its best to 1, its last to 0) and summed, weighted (vectorWeight for the vector list, the rest
 * for the keyword list). Unlike RRF it keeps how far apart a list's hits are: a keyword hit far
 * ahead of the rest stays ahead after fusion.
 */
export function fuseScores(lists: FusionLists, opts: FusionOptions = {}): FusedHit[] {
  const vectorWeight = checkNonNegative(opts.vectorWeight ?? DEFAULT_VECTOR_WEIGHT, 'vectorWeight');
  if (vectorWeight > 1) throw new RangeError(`vectorWeight must be at most 1, got ${vectorWeight}`);
  const vector = rank(lists.vector, 'vector');
  const keyword = rank(lists.keyword, 'keyword');
  const normalised = (list: Map<string, Ranked>) => {
    const scores = [...list.values()].map((e) => e.score);
    const max = Math.max(...scores);
    const min = Math.min(...scores);
    return (entry: Ranked | undefined): number => (entry === undefined ? 0 : max === min ? 1 : (entry.score - min) / (max - min));
  };
  const v = normalised(vector);
  const kw = normalised(keyword);
  const fused: FusedHit[] = [];
  for (const id of new Set([...vector.keys(), ...keyword.keys()])) {
    const ve = vector.get(id);
    const ke = keyword.get(id);
    fused.push({
      id,
      score: vectorWeight * v(ve) + (1 - vectorWeight) * kw(ke),
      ...(ve && { vectorScore: ve.score, vectorRank: ve.rank }),
      ...(ke && { keywordScore: ke.score, keywordRank: ke.rank }),
    });
  }
  return fused.sort(byScoreThenId);
}

/**
 * The hits `boosted` picks get their fused score multiplied by 1 + `boost`, and the list is
 * re-sorted stably, so equal scores keep fusion's order. HYBRID recall boosts HOT memories by
 * CORTEX_HOT_RECALL_BOOST: a tie-breaker toward the working set, not an override.
 */
export function boostHits<H extends { readonly id: string; readonly score: number }>(
  hits: readonly H[],
  boosted: (id: string) => boolean,
  boost: number,
): H[] {
  if (boost === 0) return [...hits];
  return hits.map((hit) => (boosted(hit.id) ? { ...hit, score: hit.score * (1 + boost) } : hit)).sort((a, b) => b.score - a.score);
}
