// The conversation's sliding window: the latest turns verbatim (up to 8, within half the budget),
// the older ones left to a summary that gets what the budget split leaves it (pack.ts).
import type { Layout } from './format.js';
import { splitSentences } from './sentences.js';
import type { Tokenizer } from './tokenizers.js';
import type { Summary, SummaryInfo, Turn, WindowOptions } from './types.js';

export const DEFAULT_RECENT_TURNS = 8;
/** Below this a summary would be a fragment: the older turns are left out instead. */
export const MIN_SUMMARY_TOKENS = 8;

export interface WindowRequest {
  readonly history: readonly Turn[];
  readonly options: WindowOptions;
  /** tokenBudget − reserveTokens. */
  readonly limit: number;
  readonly layout: Layout;
  readonly tokenizer: Tokenizer;
}

export interface RecentWindow {
  /** The rendered recent turns ([] when none fit), last in the text. */
  readonly blocks: readonly string[];
  readonly recent: readonly Turn[];
  /** The turns before them, for the summary. */
  readonly older: readonly Turn[];
  /** Tokens the whole conversation part may use: window.maxTokens, or the budget. */
  readonly cap: number;
}

export function recentWindow(request: WindowRequest): RecentWindow {
  const { history, layout, tokenizer, options, limit } = request;
  const cap = Math.max(0, Math.min(limit, options.maxTokens ?? limit));
  const recentCap = Math.min(cap, Math.floor(limit / 2));
  const maxRecent = options.recentTurns ?? DEFAULT_RECENT_TURNS;
  const fits = (turns: readonly Turn[]): boolean => tokenizer.count(layout.render([], [layout.formatRecent(turns)])) <= recentCap;
  // Newest first, and contiguous: a turn that does not fit ends the verbatim part.
  let start = history.length;
  while (start > 0 && history.length - start < maxRecent && fits(history.slice(start - 1))) start--;
  const recent = history.slice(start);
  return { blocks: recent.length > 0 ? [layout.formatRecent(recent)] : [], recent, older: history.slice(0, start), cap };
}

export function summaryInfo(older: readonly Turn[], summary: Summary, tokens: number): SummaryInfo {
  const firstAt = older[0]?.at;
  const lastAt = older.at(-1)?.at;
  return {
    firstTurn: 0,
    lastTurn: older.length - 1,
    turnCount: older.length,
    ...(firstAt === undefined ? {} : { firstAt }),
    ...(lastAt === undefined ? {} : { lastAt }),
    tokens,
    method: summary.method,
    ...(summary.fallbackReason === undefined ? {} : { fallbackReason: summary.fallbackReason }),
    ...(summary.quoted === undefined ? {} : { quoted: summary.quoted }),
  };
}

/**
 * The longest leading part of `text` that `fits`: whole lines when it has several (an extractive
 * summary), else whole sentences (an LLM's prose); a summarizer that overshoots still cannot break
 * the budget.
 */
export function trimToFit(text: string, fits: (text: string) => boolean): string {
  if (text === '' || fits(text)) return text;
  const lines = text.split('\n');
  const [pieces, joiner] = lines.length > 1 ? [lines, '\n'] : [splitSentences(text), ' '];
  // Binary search for the longest fitting prefix: fits() counts the whole text, so few calls matter.
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(pieces.slice(0, mid).join(joiner))) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : pieces.slice(0, lo).join(joiner);
}
