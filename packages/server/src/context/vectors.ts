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

/** `v` at unit length (itself when it already is; all zeros stays all zeros), so cosine becomes a dot product. */
export function normalized(v: Float32Array): Float32Array {
  const norm = dot(v, v);
  if (Math.abs(norm - 1) < 1e-4) return v;
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * scale;
  return out;
}

/** Four running sums: V8 keeps them in registers, about twice as fast as one over 384 dimensions. */
export function dot(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  if (n !== b.length) return 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

/** Element-wise sum (of unit vectors, a direction as good as their centroid's). */
export function sum(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]?.length ?? 0);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i]! += v[i] ?? 0;
  return out;
}
