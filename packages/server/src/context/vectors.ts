// Small vector helpers; embeddings are usually L2-normalised already, but cosine never assumes it.

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** Mean of the L2-normalised vectors (not renormalised: cosine does not care). */
export function centroid(vectors: readonly Float32Array[]): Float32Array {
  const first = vectors[0];
  const out = new Float32Array(first === undefined ? 0 : first.length);
  for (const v of vectors) {
    let norm = 0;
    for (const x of v) norm += x * x;
    const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm) / vectors.length;
    for (let i = 0; i < out.length; i++) out[i]! += (v[i] ?? 0) * scale;
  }
  return out;
}
