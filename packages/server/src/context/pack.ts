// buildContext: rank → drop below-threshold → dedupe → compress long memories → pack greedily under
// an exact token budget, with the conversation's sliding window beside the memories.
//
// Guarantees (for every tokenizer):
//   - count(text) ≤ tokenBudget − reserveTokens, checked by counting the whole final text;
//   - if a memory was dropped for BUDGET, the best-ranked such memory does not fit: the text with it
//     inserted at its rank counts more than the budget (also checked on the whole text).
// Fit decisions while scanning use each section's exact marginal cost from short counts around its
// boundaries (marginal.ts); the final whole-text count is the authority and repairs any case where
// a marginal was off.
import { compressToQuery } from './compress.js';
import { createDuplicateDetector } from './dedupe.js';
import { createLayout } from './format.js';
import { createSectionMeter } from './marginal.js';
import type { MeasuredSection } from './marginal.js';
import { clamp01 } from '../memory/policy.js';
import { rankCandidates } from './rank.js';
import type { RankedCandidate } from './rank.js';
import { createExtractiveSummarizer } from './summarize.js';
import type { Tokenizer } from './tokenizers.js';
import type {
  BuildContextDeps,
  BuildContextInput,
  BuildContextResult,
  DroppedMemory,
  PackedSection,
} from './types.js';
import { normalizeInput } from './validate.js';
import { buildWindow } from './window.js';

/** After the first memory that does not fit, try this many more (first-fit), then stop scanning. */
export const LOOKAHEAD = 32;

interface PreparedSection extends MeasuredSection {
  readonly kind: 'section';
  readonly compressed: boolean;
}
type Prepared = PreparedSection | { readonly kind: 'duplicate'; readonly of: string };

export async function buildContext(input: BuildContextInput, deps: BuildContextDeps): Promise<BuildContextResult> {
  const opts = normalizeInput(input);
  const tokenizer = deps.tokenizers.resolve(input.model);
  const layout = createLayout(input.format);
  const now = deps.clock();
  const { limit } = opts;
  const embed = deps.embedSentences;

  const window = await buildWindow({
    history: input.history ?? [],
    options: input.window ?? {},
    limit,
    layout,
    tokenizer,
    summarizer: deps.summarizer ?? createExtractiveSummarizer(embed === undefined ? {} : { embedSentences: embed }),
    query: input.query,
  });
  let historyBlocks = window.blocks;

  const dropped: DroppedMemory[] = [];
  const eligible = input.candidates.filter((c) => {
    if (clamp01(c.relevance) >= opts.minRelevance) return true;
    dropped.push({ memoryId: c.id, reason: 'BELOW_THRESHOLD' });
    return false;
  });
  const ranked = rankCandidates(eligible, now, opts.halfLifeMs);

  const dedupe = opts.compression === 'dedupe' || opts.compression === 'combined' ? createDuplicateDetector(opts.dedupeThreshold) : undefined;
  const compress = opts.compression === 'extractive' || opts.compression === 'combined';
  let queryVector: Promise<Float32Array | undefined> | undefined;
  const getQueryVector = (): Promise<Float32Array | undefined> =>
    (queryVector ??= embed === undefined || input.query.trim() === '' ? Promise.resolve(undefined) : embed([input.query], 'query').then((v) => v[0]));

  const meter = createSectionMeter(tokenizer, layout, historyBlocks);

  // Prepared lazily and strictly in rank order, so a duplicate always yields to the better-ranked copy.
  const prepared: Prepared[] = [];
  const prepare = async (r: RankedCandidate): Promise<Prepared> => {
    const cached = prepared[r.rank];
    if (cached !== undefined) return cached;
    const c = r.candidate;
    const duplicateOf = dedupe?.admit(c);
    let p: Prepared;
    if (duplicateOf !== undefined) {
      p = { kind: 'duplicate', of: duplicateOf };
    } else {
      let section = layout.formatSection(c, c.content);
      let withJunction = meter.measure(section);
      let compressed = false;
      if (compress && meter.ownTokens(withJunction) > opts.maxMemoryTokens) {
        const result = await compressToQuery(c.content, {
          tokenizer,
          maxTokens: opts.maxMemoryTokens,
          query: input.query,
          ...(embed === undefined ? {} : { embedSentences: embed, queryVector: getQueryVector }),
        });
        if (result.compressed) {
          compressed = true;
          section = layout.formatSection(c, result.text);
          withJunction = meter.measure(section);
        }
      }
      p = { kind: 'section', section, withJunction, compressed };
    }
    prepared[r.rank] = p;
    return p;
  };

  // Greedy first-fit scan in rank order; each fit decision uses the exact marginal cost (marginal.ts).
  let chosen: number[] = [];
  const costs = new Map<number, number>();
  const sectionOf = (rank: number): PreparedSection => prepared[rank] as PreparedSection;
  const render = (ranks: readonly number[]): string => layout.render(ranks.map((rank) => sectionOf(rank).section), historyBlocks);
  let used = tokenizer.count(render([]));
  let last: { section: PreparedSection; withSeparator: number } | undefined;
  let misses = 0;
  for (const r of ranked) {
    if (used >= limit || misses >= LOOKAHEAD) break;
    const p = await prepare(r);
    if (p.kind === 'duplicate') continue;
    // The first section (title, wrapper) and the rare case the boundary argument does not cover are
    // counted on the whole text, which is exact by definition.
    const cost =
      (last === undefined ? undefined : meter.appendCost(last.section, last.withSeparator, p)) ??
      tokenizer.count(render([...chosen, r.rank])) - used;
    if (used + cost <= limit) {
      chosen.push(r.rank);
      costs.set(r.rank, cost);
      used += cost;
      last = { section: p, withSeparator: meter.withSeparator(p) };
    } else {
      misses++;
    }
  }

  // Whole-text verification and repair.
  let text = render(chosen);
  let total = tokenizer.count(text);
  while (total > limit && chosen.length > 0) {
    chosen = chosen.slice(0, -1);
    text = render(chosen);
    total = tokenizer.count(text);
  }
  // Cannot happen when the window is counted right, but the budget is a promise: shed conversation.
  while (total > limit && historyBlocks.length > 0) {
    historyBlocks = historyBlocks.slice(1);
    text = render(chosen);
    total = tokenizer.count(text);
  }
  for (;;) {
    const next = await bestUnchosen(ranked, new Set(chosen), prepare);
    if (next === undefined) break;
    const trial = [...chosen, next].sort((a, b) => a - b);
    const trialText = render(trial);
    const trialTotal = tokenizer.count(trialText);
    if (trialTotal > limit) break;
    costs.set(next, trialTotal - total);
    chosen = trial;
    text = trialText;
    total = trialTotal;
  }

  const chosenSet = new Set(chosen);
  for (const r of ranked) {
    if (chosenSet.has(r.rank)) continue;
    const p = prepared[r.rank];
    dropped.push(
      p?.kind === 'duplicate'
        ? { memoryId: r.candidate.id, reason: 'DUPLICATE', duplicateOf: p.of }
        : { memoryId: r.candidate.id, reason: 'BUDGET' },
    );
  }
  const sections: PackedSection[] = chosen.map((rank) => ({
    memoryId: ranked[rank]!.candidate.id,
    tokens: costs.get(rank) ?? 0,
    compressed: sectionOf(rank).compressed,
  }));
  // Blocks are [summary?, recent?] and were shed from the front.
  const shed = window.blocks.length - historyBlocks.length;
  const recentKept = window.recentTurns > 0 && historyBlocks.length > 0;
  return {
    text,
    sections,
    tokensUsed: total,
    budget: limit,
    dropped,
    estimate: tokenizer.estimate,
    summaries: shed === 0 ? window.summaries : [],
    recentTurns: recentKept ? window.recentTurns : 0,
  };
}

/** The best-ranked memory that is neither included nor a duplicate: "the next one that would be added". */
async function bestUnchosen(
  ranked: readonly RankedCandidate[],
  chosen: ReadonlySet<number>,
  prepare: (r: RankedCandidate) => Promise<Prepared>,
): Promise<number | undefined> {
  for (const r of ranked) {
    if (chosen.has(r.rank)) continue;
    if ((await prepare(r)).kind === 'section') return r.rank;
  }
  return undefined;
}

export interface TokenCount {
  readonly tokens: number;
  readonly estimate: boolean;
  readonly tokenizer: string;
}

/** CountTokens: the same counter buildContext packs with. */
export function countTokens(text: string, model: string, deps: Pick<BuildContextDeps, 'tokenizers'>): TokenCount {
  const tokenizer: Tokenizer = deps.tokenizers.resolve(model);
  return { tokens: tokenizer.count(text), estimate: tokenizer.estimate, tokenizer: tokenizer.name };
}
