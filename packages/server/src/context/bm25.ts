// Okapi BM25 (Robertson et al.) over a small in-memory corpus: the sentences of one conversation,
// scored against one query. The memory index has its own (SQLite FTS5); this one exists per request
// and is built from term lists the caller already has.

const K1 = 1.2;
const B = 0.75;

/** BM25 score of every document for the query terms (duplicates in the query count once). */
export function bm25Scores(documents: ReadonlyArray<readonly string[]>, queryTerms: readonly string[]): Float64Array {
  const scores = new Float64Array(documents.length);
  const wanted = new Set(queryTerms);
  if (wanted.size === 0 || documents.length === 0) return scores;
  // Postings for the query's terms only: nothing else is ever looked up.
  const postings = new Map<string, Map<number, number>>();
  for (const term of wanted) postings.set(term, new Map());
  let totalLength = 0;
  documents.forEach((terms, doc) => {
    totalLength += terms.length;
    for (const term of terms) {
      const posting = postings.get(term);
      if (posting !== undefined) posting.set(doc, (posting.get(doc) ?? 0) + 1);
    }
  });
  const averageLength = totalLength / documents.length || 1;
  for (const posting of postings.values()) {
    if (posting.size === 0) continue;
    const idf = Math.log(1 + (documents.length - posting.size + 0.5) / (posting.size + 0.5));
    for (const [doc, tf] of posting) {
      const norm = K1 * (1 - B + (B * documents[doc]!.length) / averageLength);
      scores[doc]! += (idf * tf * (K1 + 1)) / (tf + norm);
    }
  }
  return scores;
}
