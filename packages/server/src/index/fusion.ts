// Hybrid recall ranking, in one place with the values production uses: how deep each list is,
// how the vector ranking and the keyword (BM25) ranking merge into one list, and how a boost
// (the HOT tier's) re-orders it. Merging is reciprocal rank fusion (Cormack et al. 2009): it
// needs no calibration between cosine similarities and BM25 scores, which live on unrelated scales.

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
  /** RRF damping constant (default DEFAULT_RRF_K): larger flattens the advantage of the very top ranks. */
  readonly k?: number;
}

/**
 * RRF damping constant for HYBRID recall. The customary 60 comes from fusing many 1000-deep TREC
 * runs; over two lists it flattens ranks so much that a memory both lists rank ~25th outscores
 * the one either list ranks first, so chance overlaps deep in the lists crowd out each
 * retriever's best hits, the more so the deeper the lists (i.e. the larger top_k). A small k keeps
 * each list's top hits on top and still rewards agreement near the top. LoCoMo dev, recall@5/@10:
 * k=60 0.50/0.65 at depth 20 but 0.47/0.57 at depth 50; k=5 0.53/0.65 and 0.54/0.64.
 */
export const DEFAULT_RRF_K = 5;

/**
 * Each list feeding hybrid fusion is deeper than top_k (twice, and at least this), so fusion can
 * promote what one list ranks low. Deeper lists mostly add chance overlaps and cost time: with
 * DEFAULT_RRF_K, depth 20 and 50 recall the same on LoCoMo dev, and 20 is ~1.5 ms faster at 100k.
 */
const FUSION_DEPTH = 20;

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

/** Scores each id by the sum of 1/(k + rank) over the lists it appears in; best first, ties by id. */
export function fuseRankings(lists: FusionLists, opts: FusionOptions = {}): FusedHit[] {
  const k = checkNonNegative(opts.k ?? DEFAULT_RRF_K, 'k');
  const vector = rank(lists.vector, 'vector');
  const keyword = rank(lists.keyword, 'keyword');
  const contribution = (entry: Ranked | undefined): number => (entry ? 1 / (k + entry.rank) : 0);

  const ids = new Set([...vector.keys(), ...keyword.keys()]);
  const fused: FusedHit[] = [];
  for (const id of ids) {
    const v = vector.get(id);
    const kw = keyword.get(id);
    fused.push({
      id,
      score: contribution(v) + contribution(kw),
      ...(v && { vectorScore: v.score, vectorRank: v.rank }),
      ...(kw && { keywordScore: kw.score, keywordRank: kw.rank }),
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
