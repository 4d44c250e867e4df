// The default, local summarizer: query-focused and extractive. Sentences of the older turns are
// scored (sentence-relevance.ts), trivial ones ("Awesome!", "Thanks, Tim!") and those below the
// relevance floor are never quoted, and maximal marginal relevance (Carbonell & Goldstein, 1998)
// picks the quotes, so no sentence and no near-duplicate of one appears twice. Quotes keep their
// original order, attributed to their speaker under the date they were said (quotes.ts), within an
// exact token cap: estimated while choosing, then the whole text is counted and trimmed.
import { LRUCache } from 'lru-cache';
import TinyQueue from 'tinyqueue';
import { createQuoteCosts, renderQuotes, type Quote } from './quotes.js';
import { scoreSentences, type SentenceRelevance } from './sentence-relevance.js';
import { contentTerms, hasFewContentTerms, normalizeText, splitSentences } from './sentences.js';
import type { EmbedSentences, SummarizeRequest, Summarizer, Summary, SummaryPlan } from './types.js';

export interface ExtractiveSummarizerDeps {
  readonly embedSentences?: EmbedSentences;
}

/** MMR trade-off: relevance against similarity to what is already quoted. */
export const MMR_LAMBDA = 0.7;
/** Cosine above which two sentences say the same thing: the later candidate is never quoted. */
export const NEAR_DUPLICATE = 0.9;
/**
 * MMR weighs the best candidates whose quotes would fill the room this many times over (and at
 * least MIN_POOL): beyond them it would only weigh what never fits.
 */
const POOL_COVERAGE = 2;
const MIN_POOL = 100;
/** After this many candidates in a row do not fit, the summary is as full as it gets. */
const MAX_CONSECUTIVE_MISSES = 24;
/** Turns whose sentences are remembered between calls: a growing history sends the same turns again. */
const REMEMBERED_TURNS = 20_000;

type Sentence = Pick<Quote, 'text' | 'terms'>;

export function createExtractiveSummarizer(deps: ExtractiveSummarizerDeps = {}): Summarizer {
  const remembered = new LRUCache<string, readonly Sentence[]>({ max: REMEMBERED_TURNS });
  const sentencesOf = (content: string): readonly Sentence[] => {
    let sentences = remembered.get(content);
    if (sentences === undefined) {
      sentences = splitSentences(content).map((text) => ({ text, terms: contentTerms(text) }));
      remembered.set(content, sentences);
    }
    return sentences;
  };
  return {
    async plan(request: SummarizeRequest): Promise<SummaryPlan> {
      const { turns, recent, query } = request;
      const units = turns.flatMap((turn, t) =>
        sentencesOf(turn.content).map((sentence, index): Quote => ({ turn: t, index, ...sentence })),
      );
      const scores = await scoreSentences({ units, turns, recent, query }, deps.embedSentences);
      // Calling someone by name does not make a sentence say something.
      const names = new Set([...turns, ...recent].flatMap((t) => contentTerms(t.role)));
      const candidates = quotable(units, scores, request.minRelevance, names);
      return {
        need: estimateNeed(units, candidates, request),
        write: (maxTokens, omit) => Promise.resolve(write(units, candidates, scores, request, maxTokens, omit)),
      };
    },
  };
}

/** Units worth quoting, best first: not trivial, not below the floor, not the same text as a better one. */
function quotable(units: readonly Quote[], scores: SentenceRelevance, floor: number, names: ReadonlySet<string>): number[] {
  const seen = new Set<string>();
  return units
    .map((_, i) => i)
    .filter((i) => (scores.similarityToContext?.[i] ?? 1) >= floor && !hasFewContentTerms(units[i]!.terms, names))
    .sort((a, b) => scores.relevance[b]! - scores.relevance[a]! || a - b)
    .filter((i) => {
      const key = normalizeText(units[i]!.text);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function estimateNeed(units: readonly Quote[], candidates: readonly number[], request: SummarizeRequest): number {
  const costs = createQuoteCosts(units, request.turns, request.tokenizer);
  for (const i of candidates) {
    if (costs.total >= request.maxTokens) break;
    costs.add(i);
  }
  return Math.min(costs.total, request.maxTokens);
}

function write(
  units: readonly Quote[],
  candidates: readonly number[],
  scores: SentenceRelevance,
  request: SummarizeRequest,
  maxTokens: number,
  omit: ReadonlySet<number>,
): Summary {
  const pool: number[] = [];
  let covered = 0;
  for (const i of candidates) {
    if (pool.length >= MIN_POOL && covered >= POOL_COVERAGE * maxTokens) break;
    if (omit.has(units[i]!.turn)) continue;
    pool.push(i);
    covered += request.tokenizer.count(units[i]!.text);
  }
  const selection = createMmrSelection(units, pool, scores, request);
  selection.extend(maxTokens);
  let tokens = fitExactly(selection, units, request, maxTokens);
  // Estimates run high (a joint often merges into the next word): spend what the exact count left.
  const spare = maxTokens - tokens;
  if (spare > 0) {
    const before = selection.chosen.length;
    selection.extend(selection.estimate + spare);
    if (selection.chosen.length > before) tokens = fitExactly(selection, units, request, maxTokens);
  }
  const kept = new Set(selection.chosen);
  return {
    text: tokens === 0 ? '' : renderQuotes(units, kept, request.turns),
    method: 'extractive',
    quoted: { sentences: kept.size, totalSentences: units.length, turns: new Set(selection.chosen.map((i) => units[i]!.turn)).size },
  };
}

/** Un-chooses the last-chosen quotes until the whole text counts at most `maxTokens`; returns its count. */
function fitExactly(selection: MmrSelection, units: readonly Quote[], request: SummarizeRequest, maxTokens: number): number {
  for (;;) {
    if (selection.chosen.length === 0) return 0;
    const tokens = request.tokenizer.count(renderQuotes(units, new Set(selection.chosen), request.turns));
    if (tokens <= maxTokens) return tokens;
    // Shed about as much as the overshoot by the estimate, at least one quote.
    const target = selection.estimate - (tokens - maxTokens);
    do selection.dropLast();
    while (selection.chosen.length > 0 && selection.estimate > target);
  }
}

interface Entry {
  readonly unit: number;
  readonly score: number;
}

interface MmrSelection {
  /** In the order chosen. */
  readonly chosen: readonly number[];
  /** Estimated tokens of the chosen quotes. */
  readonly estimate: number;
  /** Chooses more quotes while the estimate stays within `budget`. */
  extend(budget: number): void;
  /** Un-chooses the last-chosen quote; it is not offered again. */
  dropLast(): void;
}

/**
 * Lazy greedy MMR: a quote's marginal score only falls as others are chosen, so a stale score is an
 * upper bound, and a candidate whose refreshed score still beats the next stale one is the best.
 */
function createMmrSelection(
  units: readonly Quote[],
  pool: readonly number[],
  { relevance, similarity }: SentenceRelevance,
  request: SummarizeRequest,
): MmrSelection {
  const costs = createQuoteCosts(units, request.turns, request.tokenizer);
  const queue = new TinyQueue<Entry>(
    pool.map((unit) => ({ unit, score: MMR_LAMBDA * relevance[unit]! })),
    (a, b) => b.score - a.score || a.unit - b.unit,
  );
  const maxSimilarity = new Map<number, number>();
  const compared = new Map<number, number>();
  const chosen: number[] = [];
  return {
    chosen,
    get estimate() {
      return costs.total;
    },
    extend(budget) {
      let misses = 0;
      while (queue.length > 0 && misses < MAX_CONSECUTIVE_MISSES) {
        const { unit } = queue.pop()!;
        let sim = maxSimilarity.get(unit) ?? 0;
        // A sentence of an already quoted turn continues that quote rather than repeating it.
        const turn = units[unit]!.turn;
        for (let k = compared.get(unit) ?? 0; k < chosen.length; k++) {
          if (units[chosen[k]!]!.turn !== turn) sim = Math.max(sim, similarity(unit, chosen[k]!));
        }
        maxSimilarity.set(unit, sim);
        compared.set(unit, chosen.length);
        if (sim >= NEAR_DUPLICATE) continue;
        const score = MMR_LAMBDA * relevance[unit]! - (1 - MMR_LAMBDA) * sim;
        const next = queue.peek();
        if (next !== undefined && score < next.score) {
          queue.push({ unit, score });
          continue;
        }
        if (costs.total + costs.costOf(unit) > budget) {
          // Too long for now; a later, larger budget may take it.
          misses++;
          queue.push({ unit, score: Number.NEGATIVE_INFINITY });
          continue;
        }
        costs.add(unit);
        chosen.push(unit);
        misses = 0;
      }
    },
    dropLast() {
      const unit = chosen.pop();
      if (unit !== undefined) costs.remove(unit);
    },
  };
}
