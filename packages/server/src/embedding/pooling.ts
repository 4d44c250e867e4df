/**
 * Sentence vectors from a [batch, sequence, dims] hidden state: the mean over each row's real
 * tokens (padding sits at the end, so `lengths` is the attention mask), scaled to unit length,
 * as sentence-transformers does for all-MiniLM-L6-v2.
 */
export function meanPoolNormalized(
  hidden: Float32Array,
  lengths: readonly number[],
  sequenceLength: number,
  dims: number,
): Float32Array[] {
  if (hidden.length !== lengths.length * sequenceLength * dims) {
    throw new RangeError(`hidden state has ${hidden.length} values, expected ${lengths.length}x${sequenceLength}x${dims}`);
  }
  return lengths.map((length, row) => {
    const vector = new Float32Array(dims);
    const base = row * sequenceLength * dims;
    for (let t = 0; t < length; t += 1) {
      const offset = base + t * dims;
      for (let d = 0; d < dims; d += 1) vector[d] = (vector[d] ?? 0) + (hidden[offset + d] ?? 0);
    }
    return l2Normalize(vector, Math.max(length, 1));
  });
}

/** Divides by `scale` first (the mean), then by the norm; an all-zero vector stays zero. */
export function l2Normalize(vector: Float32Array, scale = 1): Float32Array {
  let sum = 0;
  for (let d = 0; d < vector.length; d += 1) {
    const v = (vector[d] ?? 0) / scale;
    vector[d] = v;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let d = 0; d < vector.length; d += 1) vector[d] = (vector[d] ?? 0) / norm;
  return vector;
}
