// Packing memories under an exact token limit, beside the conversation blocks that follow them.
//
// Guarantees (for every tokenizer), once finish() has run:
//   - count(text) ≤ limit, checked by counting the whole final text;
//   - if a memory was left out for BUDGET, the best-ranked such memory does not fit: the text with it
//     inserted at its rank counts more than the limit (also checked on the whole text).
// Fit decisions while scanning use each section's exact marginal cost from short counts around its
// boundaries (marginal.ts); the final whole-text count is the authority and repairs any case where
// a marginal was off.
import type { Layout } from './format.js';
import { createSectionMeter, type MeasuredSection, type SectionMeter } from './marginal.js';
import type { RankedCandidate } from './rank.js';
import type { Tokenizer } from './tokenizers.js';

/** After the first memory that does not fit, try this many more (first-fit), then stop scanning. */
export const LOOKAHEAD = 32;

export interface PreparedSection extends MeasuredSection {
  readonly kind: 'section';
  readonly compressed: boolean;
}
export type Prepared = PreparedSection | { readonly kind: 'duplicate'; readonly of: string };
export type Prepare = (r: RankedCandidate, meter: SectionMeter) => Promise<Prepared>;

export interface PackRequest {
  readonly ranked: readonly RankedCandidate[];
  /** Formats (and compresses, or flags as a duplicate) a candidate; called in rank order, at most once per candidate. */
  readonly prepare: Prepare;
  readonly layout: Layout;
  readonly tokenizer: Tokenizer;
}

export interface Packing {
  /** Ranks of the packed memories, best first. */
  readonly chosen: readonly number[];
  /** The section of a rank that was prepared (duplicates included). */
  prepared(rank: number): Prepared | undefined;
  /** Tokens each packed section added, by rank; with the conversation-only text they add up to the total. */
  readonly costs: ReadonlyMap<number, number>;
  readonly text: string;
  readonly total: number;
  readonly historyBlocks: readonly string[];
}

export interface Scan {
  readonly chosen: readonly number[];
  readonly costs: ReadonlyMap<number, number>;
  /** What followed the sections when they were measured. */
  readonly junction: string;
}

export function createMemoryPacker({ ranked, prepare, layout, tokenizer }: PackRequest) {
  const prepared: Prepared[] = [];
  let meter: SectionMeter | undefined;
  const prepareOnce = async (r: RankedCandidate): Promise<Prepared> => (prepared[r.rank] ??= await prepare(r, meter!));
  const sectionOf = (rank: number): PreparedSection => prepared[rank] as PreparedSection;
  const renderWith = (historyBlocks: readonly string[]) => (ranks: readonly number[]): string =>
    layout.render(ranks.map((rank) => sectionOf(rank).section), historyBlocks);

  return {
    /** The section prepared for a rank (duplicates included), once the scan reached it. */
    prepared: (rank: number): Prepared | undefined => prepared[rank],

    /** Greedy first-fit scan in rank order, each fit decision by exact marginal cost, within `limit`. */
    async scan(historyBlocks: readonly string[], limit: number): Promise<Scan> {
      // Sections are measured against what follows them: the junction is the same for any summary text.
      meter = createSectionMeter(tokenizer, layout, historyBlocks);
      const render = renderWith(historyBlocks);
      const chosen: number[] = [];
      const costs = new Map<number, number>();
      let used = tokenizer.count(render([]));
      let last: { section: PreparedSection; withSeparator: number } | undefined;
      let misses = 0;
      for (const r of ranked) {
        if (used >= limit || misses >= LOOKAHEAD) break;
        const p = await prepareOnce(r);
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
      return { chosen, costs, junction: layout.junctionAfterSections(historyBlocks) };
    },

    /**
     * The final text with these conversation blocks: verified whole, repaired if over the limit, then
     * topped up with any better-ranked memory that still fits; section costs measured on the result.
     */
    async finish(scan: Scan, blocks: readonly string[], limit: number): Promise<Packing> {
      let chosen = [...scan.chosen];
      const costs = new Map(scan.costs);
      let historyBlocks = blocks;
      let render = renderWith(historyBlocks);
      let text = render(chosen);
      let total = tokenizer.count(text);
      while (total > limit && chosen.length > 0) {
        chosen = chosen.slice(0, -1);
        text = render(chosen);
        total = tokenizer.count(text);
      }
      // Cannot happen when the conversation is counted right, but the budget is a promise: shed conversation.
      while (total > limit && historyBlocks.length > 0) {
        historyBlocks = historyBlocks.slice(1);
        render = renderWith(historyBlocks);
        text = render(chosen);
        total = tokenizer.count(text);
      }
      const measured = meter !== undefined && layout.junctionAfterSections(historyBlocks) === scan.junction ? meter : undefined;
      for (;;) {
        const next = await bestUnchosen(ranked, new Set(chosen), prepareOnce);
        if (next === undefined) break;
        // A memory that cannot fit by its exact marginal cost is not worth counting the whole text for.
        const bound = measured === undefined ? undefined : insertionCost(measured, chosen, next);
        if (bound !== undefined && total + bound > limit) break;
        const trial = [...chosen, next].sort((a, b) => a - b);
        const trialText = render(trial);
        const trialTotal = tokenizer.count(trialText);
        if (trialTotal > limit) break;
        costs.set(next, trialTotal - total);
        chosen = trial;
        text = trialText;
        total = trialTotal;
      }
      return {
        chosen,
        prepared: (rank) => prepared[rank],
        // Marginals measured against other conversation blocks than these are measured again.
        costs: measured !== undefined && historyBlocks === blocks ? costs : sectionCosts(chosen, historyBlocks),
        text,
        total,
        historyBlocks,
      };
    },
  };

  /**
   * What inserting `rank` at its place among the chosen sections costs, by the boundary argument of
   * marginal.ts: before another section it adds itself and a separator, at the end it is appended.
   * Undefined in front of the first section (the title's neighbourhood) or where the argument fails.
   */
  function insertionCost(m: SectionMeter, chosen: readonly number[], rank: number): number | undefined {
    const section = sectionOf(rank);
    const after = chosen.filter((r) => r < rank);
    if (after.length === 0 || !/^\S/u.test(section.section)) return undefined;
    if (after.length === chosen.length) {
      const last = sectionOf(after.at(-1)!);
      return m.appendCost(last, m.withSeparator(last), section);
    }
    return m.withSeparator(section);
  }

  /** Each section's marginal cost in order, as the scan measures them, against these conversation blocks. */
  function sectionCosts(chosen: readonly number[], historyBlocks: readonly string[]): Map<number, number> {
    const final = createSectionMeter(tokenizer, layout, historyBlocks);
    const render = renderWith(historyBlocks);
    const costs = new Map<number, number>();
    let used = tokenizer.count(render([]));
    let last: { section: MeasuredSection; withSeparator: number } | undefined;
    chosen.forEach((rank, k) => {
      const section = { section: sectionOf(rank).section, withJunction: final.measure(sectionOf(rank).section) };
      const cost =
        (last === undefined ? undefined : final.appendCost(last.section, last.withSeparator, section)) ??
        tokenizer.count(render(chosen.slice(0, k + 1))) - used;
      costs.set(rank, cost);
      used += cost;
      last = { section, withSeparator: final.withSeparator(section) };
    });
    return costs;
  }
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
