// The conversation's sliding window: the latest turns verbatim, older ones replaced by a summary
// that fits whatever the window has left. Every check counts the rendered blocks whole.
import type { Layout } from './format.js';
import { splitSentences } from './sentences.js';
import type { Tokenizer } from './tokenizers.js';
import type { Summarizer, SummaryInfo, Turn, WindowOptions } from './types.js';

export const DEFAULT_RECENT_TURNS = 8;
/** Below this a summary would be a fragment: the older turns are left out instead. */
export const MIN_SUMMARY_TOKENS = 8;

export interface WindowRequest {
  readonly history: readonly Turn[];
  readonly options: WindowOptions;
  /** tokenBudget − reserveTokens; the window takes at most `options.maxTokens` of it (default half). */
  readonly limit: number;
  readonly layout: Layout;
  readonly tokenizer: Tokenizer;
  readonly summarizer: Summarizer;
  readonly query: string;
}

export interface WindowResult {
  /** Rendered blocks, in output order (summary, then recent turns). */
  readonly blocks: readonly string[];
  readonly recentTurns: number;
  readonly summaries: readonly SummaryInfo[];
}

export function windowLimit(limit: number, options: WindowOptions): number {
  return Math.max(0, Math.min(limit, options.maxTokens ?? Math.floor(limit / 2)));
}

export async function buildWindow(request: WindowRequest): Promise<WindowResult> {
  const { history, layout, tokenizer } = request;
  if (history.length === 0) return { blocks: [], recentTurns: 0, summaries: [] };
  const cap = windowLimit(request.limit, request.options);
  const maxRecent = request.options.recentTurns ?? DEFAULT_RECENT_TURNS;
  const fits = (blocks: readonly string[]): boolean => tokenizer.count(layout.render([], blocks)) <= cap;

  // Newest first, and contiguous: a turn that does not fit ends the verbatim part.
  let start = history.length;
  while (start > 0 && history.length - start < maxRecent && fits([layout.formatRecent(history.slice(start - 1))])) start--;
  const recent = start < history.length ? [layout.formatRecent(history.slice(start))] : [];
  const older = history.slice(0, start);
  const recentTurns = history.length - start;
  if (older.length === 0) return { blocks: recent, recentTurns, summaries: [] };

  // Room for the summary text: what the window has left once the empty summary frame is counted,
  // minus one token for the frame/text boundary (the result is verified whole below anyway).
  const frame = tokenizer.count(layout.render([], [layout.formatSummary(''), ...recent]));
  const maxTokens = cap - frame - 1;
  if (maxTokens < MIN_SUMMARY_TOKENS) return { blocks: recent, recentTurns, summaries: [] };

  const summary = await request.summarizer.summarize({ turns: older, maxTokens, tokenizer, query: request.query });
  const text = trimToFit(summary.text.trim(), (t) => fits([layout.formatSummary(t), ...recent]));
  if (text === '') return { blocks: recent, recentTurns, summaries: [] };

  const info: SummaryInfo = {
    turnCount: older.length,
    firstAt: older[0]!.at,
    lastAt: older[older.length - 1]!.at,
    tokens: tokenizer.count(text),
    method: summary.method,
    ...(summary.fallbackReason === undefined ? {} : { fallbackReason: summary.fallbackReason }),
  };
  return { blocks: [layout.formatSummary(text), ...recent], recentTurns, summaries: [info] };
}

/** Drops trailing sentences until `fits`; a summarizer that overshoots its cap still cannot break the budget. */
export function trimToFit(text: string, fits: (text: string) => boolean): string {
  if (text === '' || fits(text)) return text;
  const sentences = splitSentences(text);
  for (let n = sentences.length - 1; n > 0; n--) {
    const shorter = sentences.slice(0, n).join(' ');
    if (fits(shorter)) return shorter;
  }
  return '';
}
