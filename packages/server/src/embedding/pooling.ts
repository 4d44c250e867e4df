import type { Pooling } from './models.js';

/**
 * Sentence vectors from a [batch, sequence, dims] hidden state, written one after another into
 * one array (so a worker can hand it over without copying), each scaled to unit length.
 * `mean` averages each row's real tokens (padding sits at the end, so `lengths` is the attention
 * mask), as sentence-transformers does for all-MiniLM-L6-v2 and e5; `cls` takes the first token, as
 * bge does.
 */
export function poolNormalized(
  pooling: Pooling,
  hidden: Float32Array,
  lengths: readonly number[],
  sequenceLength: number,
  dims: number,
): Float32Array {
  if (hidden.length !== lengths.length * sequenceLength * dims) {
    throw new RangeError(`hidden state has ${hidden.length} values, expected ${lengths.length}x${sequenceLength}x${dims}`);
  }
  const out = new Float32Array(lengths.length * dims);
  lengths.forEach((length, row) => {
    const vector = out.subarray(row * dims, (row + 1) * dims);
    const base = row * sequenceLength * dims;
    const tokens = pooling === 'cls' ? 1 : length;
    for (let t = 0; t < tokens; t += 1) {
      const offset = base + t * dims;
      for (let d = 0; d < dims; d += 1) vector[d] = (vector[d] ?? 0) + (hidden[offset + d] ?? 0);
    }
    l2Normalize(vector, Math.max(tokens, 1));
  });
  return out;
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
