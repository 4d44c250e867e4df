// Does a LoCoMo evidence turn reach a packed context? Used by eval-context.ts for history mode,
// where turns reach the text verbatim (recent turns) or quoted in part by a summary.
import { splitSentences } from '../../src/context/sentences.js';

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower case, one space between words, punctuation kept: what quoting a sentence leaves unchanged. */
export function normalizeForMatch(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

const wordCount = (text: string): number => text.match(WORD)?.length ?? 0;

/** A quoted sentence shorter than this may match another turn's text by chance ("Thanks!"), so it proves nothing. */
const MIN_MATCH_WORDS = 3;

export interface EvidenceMatch {
  /** The whole turn text is in the context. */
  readonly whole: boolean;
  /** Share of the turn's words in its sentences found in the context, 0..1. */
  readonly wordShare: number;
}

/** `context` must already be normalizeForMatch()ed (it is long and checked many times). */
export function matchEvidence(turnText: string, normalizedContext: string): EvidenceMatch {
  const whole = normalizedContext.includes(normalizeForMatch(turnText));
  if (whole) return { whole, wordShare: 1 };
  const total = wordCount(turnText);
  let found = 0;
  for (const sentence of splitSentences(turnText)) {
    const words = wordCount(sentence);
    if (words >= MIN_MATCH_WORDS && normalizedContext.includes(normalizeForMatch(sentence))) found += words;
  }
  return { whole, wordShare: total === 0 ? 0 : found / total };
}
