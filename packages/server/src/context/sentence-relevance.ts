// How relevant each sentence of the older turns is, for a query-focused summary. With an embedder:
//
//   relevance = Q·cos(sentence, query) + T·cos(its turn, query) + K·bm25(query words) / best bm25
//             + R·cos(sentence, recent turns) + C·cos(sentence, centroid of all sentences)
//
// The turn term lets a sentence borrow context from its turn ("It was so powerful" after "I went to
// the support group"); BM25 over the sentences (speaker included) catches names and rare words that
// embeddings blur; the recent turns keep the summary on what the conversation is about now; and
// centrality, with a small weight, only orders sentences that are otherwise about as relevant.
// Vectors come from the caller's embedder, which caches them by content hash, so a growing history
// embeds only its new sentences. Without an embedder, shared query words rank sentences, ties going
// to the earlier sentence of a turn (lead sentences).
import { bm25Scores } from './bm25.js';
import type { Quote } from './quotes.js';
import { contentTerms, lexicalSimilarity, splitSentences, termFrequencies } from './sentences.js';
import type { EmbedSentences, Turn } from './types.js';
import { centroid, dot, normalized, sum } from './vectors.js';

export const WEIGHTS = { query: 0.4, turn: 0.2, keywords: 0.3, recent: 0.1, centrality: 0.02 } as const;

export interface SentenceRelevance {
  /** Per unit, higher is more relevant: the order quotes are considered in. */
  readonly relevance: Float64Array;
  /**
   * Per unit, the cosine similarity a relevance floor is held against: the best of the sentence's
   * and its turn's similarity to the query and the sentence's to the recent turns. Undefined
   * without embeddings, where no floor applies.
   */
  readonly similarityToContext?: Float64Array;
  /** Similarity of two units, 0..1, for maximal marginal relevance. */
  readonly similarity: (a: number, b: number) => number;
}

export interface RelevanceRequest {
  readonly units: readonly Quote[];
  readonly turns: readonly Turn[];
  readonly recent: readonly Turn[];
  readonly query: string;
}

export async function scoreSentences(request: RelevanceRequest, embed: EmbedSentences | undefined): Promise<SentenceRelevance> {
  const { units, turns, query } = request;
  const keywords = keywordScores(request);
  if (embed !== undefined && units.length > 0) {
    const recentSentences = request.recent.flatMap((t) => splitSentences(t.content));
    const texts = [...units.map((u) => u.text), ...recentSentences];
    const [vectors, [rawQuery]] = await Promise.all([embed(texts), query.trim() === '' ? [] : embed([query], 'query')]);
    if (vectors.length === texts.length) {
      // Unit length once, so every similarity below is a dot product.
      const unitVectors = vectors.slice(0, units.length).map(normalized);
      const recentVectors = vectors.slice(units.length);
      const recentVector = recentVectors.length > 0 ? normalized(centroid(recentVectors)) : undefined;
      const queryVector = rawQuery === undefined ? undefined : normalized(rawQuery);
      return semanticRelevance(unitVectors, turns.length, request, keywords, queryVector, recentVector);
    }
  }
  return lexicalRelevance(units, keywords);
}

function semanticRelevance(
  vectors: readonly Float32Array[],
  turnCount: number,
  { units }: RelevanceRequest,
  keywords: Float64Array,
  query: Float32Array | undefined,
  recent: Float32Array | undefined,
): SentenceRelevance {
  // A turn's relevance is its sentences' centroid against the query: cos(Σv, q) = Σ(v·q) / |Σv|.
  const queryDots = query === undefined ? undefined : vectors.map((v) => dot(v, query));
  const turnRelevance = new Float64Array(turnCount);
  if (queryDots !== undefined) {
    const sums: Float32Array[] = [];
    units.forEach((u, i) => {
      const sum = (sums[u.turn] ??= new Float32Array(vectors[i]!.length));
      for (let d = 0; d < sum.length; d++) sum[d]! += vectors[i]![d]!;
      turnRelevance[u.turn]! += queryDots[i]!;
    });
    sums.forEach((sum, t) => {
      const norm = Math.sqrt(dot(sum, sum));
      turnRelevance[t] = norm === 0 ? 0 : turnRelevance[t]! / norm;
    });
  }
  const center = normalized(sum(vectors));
  const relevance = new Float64Array(units.length);
  const similarityToContext = new Float64Array(units.length);
  units.forEach((u, i) => {
    const v = vectors[i]!;
    const toQuery = queryDots?.[i] ?? 0;
    const toRecent = recent === undefined ? 0 : dot(v, recent);
    relevance[i] =
      WEIGHTS.query * toQuery +
      WEIGHTS.turn * turnRelevance[u.turn]! +
      WEIGHTS.keywords * keywords[i]! +
      WEIGHTS.recent * toRecent +
      WEIGHTS.centrality * dot(v, center);
    similarityToContext[i] = Math.max(toQuery, turnRelevance[u.turn]!, toRecent);
  });
  return { relevance, similarityToContext, similarity: (a, b) => Math.max(0, dot(vectors[a]!, vectors[b]!)) };
}

function lexicalRelevance(units: readonly Quote[], keywords: Float64Array): SentenceRelevance {
  const frequencies = new Map<number, Map<string, number>>();
  const tf = (i: number): Map<string, number> => {
    let f = frequencies.get(i);
    if (f === undefined) {
      f = termFrequencies(units[i]!.text);
      frequencies.set(i, f);
    }
    return f;
  };
  // Lead sentences first among equals: a small bonus that fades with the position in the turn.
  const relevance = Float64Array.from(units, (u, i) => keywords[i]! + 0.01 / (1 + u.index));
  return { relevance, similarity: (a, b) => lexicalSimilarity(tf(a), tf(b)) };
}

/** BM25 of each sentence (with its speaker) for the query's content words, scaled so the best is 1. */
function keywordScores({ units, turns, query }: RelevanceRequest): Float64Array {
  const queryTerms = contentTerms(query);
  if (queryTerms.length === 0) return new Float64Array(units.length);
  const speakers = new Map<string, string[]>();
  const speakerTerms = (role: string): string[] => speakers.get(role) ?? speakers.set(role, contentTerms(role)).get(role)!;
  const scores = bm25Scores(units.map((u) => [...speakerTerms(turns[u.turn]!.role), ...u.terms]), queryTerms);
  let best = 0;
  for (const s of scores) best = Math.max(best, s);
  if (best > 0) for (let i = 0; i < scores.length; i++) scores[i]! /= best;
  return scores;
}
