// Sentence splitting and a lexical similarity used when no embedder is available.

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
