// Text → index terms for the keyword index: the same rules for what is stored and what is asked,
// so a query term matches exactly the stored terms it should.
import { stemmer } from 'stemmer';

/**
 * English function words. They are neither indexed nor searched: every memory has them, so they
 * only add postings and, in a query, a little score to every memory, which drowns memories that
 * share one rare term with the question. Contractions appear split the way the tokenizer splits
 * them ("didn't" → "didn", "t"). Content words that double as function words ("won", "may",
 * "will") are kept.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below between both
   but by can could couldn d did didn do does doesn doing don down during each few for from further had hadn has hasn
   have haven having he her here hers herself him himself his how i if in into is isn it its itself just ll m me
   more most my myself no nor not now o of off on once only or other our ours ourselves out over own re s same she
   should shouldn so some such t than that the their theirs them themselves then there these they this those through
   to too under until up ve very was wasn we were weren what when where which while who whom why with would wouldn
   you your yours yourself yourselves`.split(/\s+/),
);

/** Longer "words" are identifiers, hashes or base64: never what a person types into a query. */
const MAX_TERM_CHARS = 40;

/** Lower-cased words without diacritics: runs of letters and digits, as SQLite's unicode61 splits. */
function words(text: string): string[] {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Porter stems ("painting", "paints" → "paint"): a query and a memory meet on the word, not its form. */
const stem = (word: string): string => (/^\p{N}+$/u.test(word) ? word : stemmer(word));

export interface TermCounts {
  /** Stemmed content terms with their occurrence counts. */
  readonly counts: ReadonlyMap<string, number>;
  /** Every word of the text, stopwords included: BM25's document length. */
  readonly length: number;
}

/** The terms a text is indexed by, counted. */
export function countTerms(text: string): TermCounts {
  const all = words(text);
  const counts = new Map<string, number>();
  for (const word of all) {
    if (STOPWORDS.has(word) || word.length > MAX_TERM_CHARS) continue;
    const term = stem(word);
    counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return { counts, length: all.length };
}

/** The distinct terms of a query, in order of first appearance. */
export function queryTerms(text: string): string[] {
  return [...countTerms(text).counts.keys()];
}
