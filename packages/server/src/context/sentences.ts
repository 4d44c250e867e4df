// Sentence splitting, content terms, and a lexical similarity used when no embedder is available.
import { STOPWORDS } from '../index/index.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/** Sentences of `text`, trimmed, empty ones dropped; newlines also end a sentence (lists, logs). */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    for (const { segment } of segmenter.segment(line)) {
      const s = segment.trim();
      if (s !== '') out.push(s);
    }
  }
  return out;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased words of `text` without function words (the keyword index's stopwords): what BM25 matches on. */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  for (const [word] of text.normalize('NFKC').toLowerCase().matchAll(WORD)) if (!STOPWORDS.has(word)) out.push(word);
  return out;
}

/**
 * Words that carry the back-and-forth of a conversation rather than its content: acknowledgements,
 * greetings, interjections and praise.
 */
const PHATIC: ReadonlySet<string> = new Set(
  `absolutely agree agreed ah aha alright amazing aw aww awesome bye cheers cool congrats congratulations definitely
   exactly fantastic fine glad good great ha haha hahaha hey hello hi hmm incredible indeed lol love lovely nice no
   nope oh ok okay perfect really right sounds sure super thank thanks thx totally true well wonderful wow yay yeah
   yep yes yup`.split(/\s+/),
);

/**
 * A sentence with fewer than two content words that are neither phatic nor the name of someone in
 * the conversation (`names`, lower case) says nothing a summary should keep: "Awesome!", "Thanks,
 * Tim!", "That's so cool!".
 */
export function isTrivial(sentence: string, names: ReadonlySet<string> = new Set()): boolean {
  return hasFewContentTerms(contentTerms(sentence), names);
}

/** isTrivial for a sentence whose content terms are at hand. */
export function hasFewContentTerms(terms: readonly string[], names: ReadonlySet<string>): boolean {
  let informative = 0;
  for (const term of terms) if (!PHATIC.has(term) && !names.has(term) && ++informative >= 2) return false;
  return true;
}

export function termFrequencies(text: string): Map<string, number> {
  const tf = new Map<string, number>();
  for (const [word] of text.normalize('NFKC').toLowerCase().matchAll(WORD)) tf.set(word, (tf.get(word) ?? 0) + 1);
  return tf;
}

/** Cosine of term-frequency vectors: 0 with no shared word, 1 for the same bag of words. */
export function lexicalSimilarity(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  for (const [word, n] of a) dot += n * (b.get(word) ?? 0);
  if (dot === 0) return 0;
  let na = 0;
  let nb = 0;
  for (const n of a.values()) na += n * n;
  for (const n of b.values()) nb += n * n;
  return dot / Math.sqrt(na * nb);
}

/** Case, width and whitespace folded: two texts equal after this are exact duplicates. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
