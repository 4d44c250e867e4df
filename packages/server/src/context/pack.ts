// buildContext: the conversation's recent turns, then memories (rank → relevance floor → drop what
// the recent turns already say → dedupe → compress long ones → pack) and a query-focused summary of
// the older turns sharing what is left by need, all under an exact token budget.
//
// The budget split (BudgetSplit in context_service.proto): the recent turns go first, within half the
// budget; of what they leave, R, the summary is promised min(its need, R / 2); memories are packed
// into the rest; then the summary is written into whatever the memories left, so neither side's
// unused share is lost. The summary leaves out older turns that are packed as memories.
// Guarantees (for every tokenizer): count(text) ≤ tokenBudget − reserveTokens, checked on the whole
// text; a memory left out for BUDGET does not fit (memory-packer.ts).
import { compressToQuery } from './compress.js';
import { createDuplicateDetector } from './dedupe.js';
import { createLayout, type Layout } from './format.js';
import { createTurnMatcher } from './history-overlap.js';
import { createMemoryPacker, type Packing, type Prepare } from './memory-packer.js';
import { clamp01 } from '../memory/policy.js';
import { rankCandidates } from './rank.js';
import { createExtractiveSummarizer } from './summarize.js';
import type { Tokenizer } from './tokenizers.js';
import type {
  BuildContextDeps,
  BuildContextInput,
  BuildContextResult,
  Candidate,
  DroppedMemory,
  PackedSection,
  Summarizer,
  SummaryInfo,
  SummaryPlan,
} from './types.js';
import { normalizeInput, type NormalizedInput } from './validate.js';
import { MIN_SUMMARY_TOKENS, recentWindow, summaryInfo, trimToFit, type RecentWindow } from './window.js';

export { LOOKAHEAD } from './memory-packer.js';

/** Stands in for the summary text while memories are measured: only the heading line before it matters. */
const PLACEHOLDER = 'x';

export async function buildContext(input: BuildContextInput, deps: BuildContextDeps): Promise<BuildContextResult> {
  const opts = normalizeInput(input);
  const tokenizer = deps.tokenizers.resolve(input.model);
  const layout = createLayout(input.format);
  const { limit } = opts;
  const window = recentWindow({ history: input.history ?? [], options: input.window ?? {}, limit, layout, tokenizer });
  const recentTokens = window.blocks.length > 0 ? tokenizer.count(layout.render([], window.blocks)) : 0;
  const room = limit - recentTokens;

  // The most the summary text could get: all the conversation's room, less its heading and the recent turns.
  const summaryFrame = window.older.length === 0 ? 0 : tokenizer.count(layout.render([], [layout.formatSummary(''), ...window.blocks]));
  const plan = await planSummary(input, opts, deps, window, tokenizer, Math.min(limit, window.cap) - summaryFrame - 1);
  const promised = plan === undefined ? 0 : Math.min(plan.need, Math.floor(room / 2));
  const provisional = plan === undefined ? window.blocks : [layout.formatSummary(PLACEHOLDER), ...window.blocks];

  const { ranked, dropped } = screenCandidates(input.candidates, opts, window, deps.clock());
  const packer = createMemoryPacker({ ranked, prepare: preparer(input, opts, deps, layout, tokenizer), layout, tokenizer });
  const memoryShare = limit - promised;
  const scan = await packer.scan(provisional, memoryShare);

  // The summary gets everything the memories left, minus older turns that are packed as memories.
  let blocks = window.blocks;
  let summary: SummaryInfo | undefined;
  if (plan !== undefined) {
    const sections = scan.chosen.map((rank) => ranked[rank]!.candidate);
    const written = await writeSummary(plan, window, sections, layout, tokenizer, limit, (text) =>
      layout.render(scan.chosen.map((rank) => sectionText(packer, rank)), [layout.formatSummary(text), ...window.blocks]),
    );
    if (written !== undefined) {
      blocks = [layout.formatSummary(written.text), ...window.blocks];
      summary = written.info;
    }
  }
  const packing = await packer.finish(scan, blocks, limit);
  // Reported as room for memory sections: the share less the conversation blocks around them.
  const sectionShare = Math.max(0, memoryShare - tokenizer.count(layout.render([], provisional)));
  const summaryNeed = plan?.need ?? 0;
  return result(packing, ranked, dropped, { window, summary, memoryShare: sectionShare, summaryNeed, opts, tokenizer, layout });
}

async function planSummary(
  input: BuildContextInput,
  opts: NormalizedInput,
  deps: BuildContextDeps,
  window: RecentWindow,
  tokenizer: Tokenizer,
  maxTokens: number,
): Promise<SummaryPlan | undefined> {
  if (window.older.length === 0 || maxTokens < MIN_SUMMARY_TOKENS) return undefined;
  const embed = deps.embedSentences;
  const summarizer: Summarizer = deps.summarizer ?? createExtractiveSummarizer(embed === undefined ? {} : { embedSentences: embed });
  const { older: turns, recent } = window;
  const plan = await summarizer.plan({ turns, recent, tokenizer, query: input.query, minRelevance: opts.minRelevance, maxTokens });
  return plan.need >= MIN_SUMMARY_TOKENS ? plan : undefined;
}

interface Screened {
  readonly ranked: ReturnType<typeof rankCandidates>;
  readonly dropped: DroppedMemory[];
}

/** Below the floor, or repeating a recent turn (which is in the text verbatim): dropped before ranking. */
function screenCandidates(candidates: readonly Candidate[], opts: NormalizedInput, window: RecentWindow, now: number): Screened {
  const dropped: DroppedMemory[] = [];
  const inRecent = createTurnMatcher(window.recent);
  const eligible = candidates.filter((c) => {
    if (clamp01(c.relevance) < opts.minRelevance) dropped.push({ memoryId: c.id, reason: 'BELOW_THRESHOLD' });
    else if (inRecent(c.content) !== undefined) dropped.push({ memoryId: c.id, reason: 'IN_HISTORY' });
    else return true;
    return false;
  });
  return { ranked: rankCandidates(eligible, now, opts.halfLifeMs), dropped };
}

/** Formats a candidate, compressing it toward the query when it is long, or flags it as a duplicate. */
function preparer(input: BuildContextInput, opts: NormalizedInput, deps: BuildContextDeps, layout: Layout, tokenizer: Tokenizer): Prepare {
  const embed = deps.embedSentences;
  const dedupe = opts.compression === 'dedupe' || opts.compression === 'combined' ? createDuplicateDetector(opts.dedupeThreshold) : undefined;
  const compress = opts.compression === 'extractive' || opts.compression === 'combined';
  let queryVector: Promise<Float32Array | undefined> | undefined;
  const getQueryVector = (): Promise<Float32Array | undefined> =>
    (queryVector ??= embed === undefined || input.query.trim() === '' ? Promise.resolve(undefined) : embed([input.query], 'query').then((v) => v[0]));
  return async (r, meter) => {
    const c = r.candidate;
    const duplicateOf = dedupe?.admit(c);
    if (duplicateOf !== undefined) return { kind: 'duplicate', of: duplicateOf };
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
    return { kind: 'section', section, withJunction, compressed };
  };
}

function sectionText(packer: ReturnType<typeof createMemoryPacker>, rank: number): string {
  const p = packer.prepared(rank);
  if (p?.kind !== 'section') throw new Error(`rank ${rank} was packed without a prepared section`);
  return p.section;
}

/** The summary in what the memories left (and within window.maxTokens), or undefined when nothing useful fits. */
async function writeSummary(
  plan: SummaryPlan,
  window: RecentWindow,
  packed: readonly Candidate[],
  layout: Layout,
  tokenizer: Tokenizer,
  limit: number,
  renderWith: (summaryText: string) => string,
): Promise<{ text: string; info: SummaryInfo } | undefined> {
  const conversationFrame = tokenizer.count(layout.render([], [layout.formatSummary(''), ...window.blocks]));
  // One token for the frame/text boundary; the result is verified whole below anyway.
  const maxTokens = Math.min(limit - tokenizer.count(renderWith('')), window.cap - conversationFrame) - 1;
  if (maxTokens < MIN_SUMMARY_TOKENS) return undefined;
  const asMemory = createTurnMatcher(window.older);
  const omit = new Set(packed.map((c) => asMemory(c.content)).filter((i): i is number => i !== undefined));
  const summary = await plan.write(maxTokens, omit);
  const text = trimToFit(summary.text.trim(), (t) => tokenizer.count(renderWith(t)) <= limit && tokenizer.count(t) <= maxTokens);
  if (text === '') return undefined;
  return { text, info: summaryInfo(window.older, summary, tokenizer.count(text)) };
}

interface ResultContext {
  readonly window: RecentWindow;
  readonly summary: SummaryInfo | undefined;
  readonly memoryShare: number;
  readonly summaryNeed: number;
  readonly opts: NormalizedInput;
  readonly tokenizer: Tokenizer;
  readonly layout: Layout;
}

function result(packing: Packing, ranked: Screened['ranked'], dropped: DroppedMemory[], ctx: ResultContext): BuildContextResult {
  const chosen = new Set(packing.chosen);
  for (const r of ranked) {
    if (chosen.has(r.rank)) continue;
    const p = packing.prepared(r.rank);
    dropped.push(p?.kind === 'duplicate' ? { memoryId: r.candidate.id, reason: 'DUPLICATE', duplicateOf: p.of } : { memoryId: r.candidate.id, reason: 'BUDGET' });
  }
  const sections: PackedSection[] = packing.chosen.map((rank) => {
    const p = packing.prepared(rank);
    return { memoryId: ranked[rank]!.candidate.id, tokens: packing.costs.get(rank) ?? 0, compressed: p?.kind === 'section' && p.compressed };
  });
  const memoryTokens = sections.reduce((n, s) => n + s.tokens, 0);
  // Blocks are [summary?, recent?]; the packer may have shed them from the front.
  const { historyBlocks } = packing;
  const hasRecent = ctx.window.blocks.length > 0 && historyBlocks.length > 0;
  const hasSummary = ctx.summary !== undefined && historyBlocks.length === ctx.window.blocks.length + 1;
  const historyTokens = packing.total - memoryTokens;
  const recentOnly = hasRecent ? ctx.tokenizer.count(ctx.layout.render([], ctx.window.blocks)) : 0;
  return {
    text: packing.text,
    sections,
    tokensUsed: packing.total,
    budget: ctx.opts.limit,
    dropped,
    estimate: ctx.tokenizer.estimate,
    ...(hasSummary ? { summary: ctx.summary } : {}),
    recentTurns: hasRecent ? ctx.window.recent.length : 0,
    budgetSplit: {
      memoryTokens,
      historyTokens,
      summaryTokens: hasSummary ? Math.max(0, historyTokens - recentOnly) : 0,
      memoryShare: ctx.memoryShare,
      summaryNeed: ctx.summaryNeed,
    },
    relevanceFloor: ctx.opts.minRelevance,
  };
}

export interface TokenCount {
  readonly tokens: number;
  readonly estimate: boolean;
  readonly tokenizer: string;
}

/** CountTokens: the same counter buildContext packs with. */
export function countTokens(text: string, model: string, deps: Pick<BuildContextDeps, 'tokenizers'>): TokenCount {
  const tokenizer = deps.tokenizers.resolve(model);
  return { tokens: tokenizer.count(text), estimate: tokenizer.estimate, tokenizer: tokenizer.name };
}
