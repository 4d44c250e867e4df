// int8 scalar quantisation for storing embeddings as SQLite BLOBs.
// Layout: float32 LE scale (4 bytes) then one int8 per dimension; value ≈ q * scale.
// A per-vector scale (max |v_i| / 127) keeps the full int8 range in use for every vector, which
// matters because normalised 384-d embeddings have small, vector-dependent component magnitudes.

export const QUANTIZED_HEADER_BYTES = 4;
const INT8_MAX = 127;

/** Size in bytes of a quantised vector of `dimensions` components (388 for 384-d vs 1536 fp32). */
export function quantizedByteLength(dimensions: number): number {
  return QUANTIZED_HEADER_BYTES + dimensions;
}

/**
 * Writes the int8 codes of `v` into `codes` at `offset` and returns the float32 scale.
 * Shared by the BLOB form and the in-memory copy the index scans for exact search.
 */
export function quantizeInto(v: ArrayLike<number>, codes: Int8Array, offset: number): number {
  let maxAbs = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`vector component ${i} is not finite`);
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  // Quantise against the float32-rounded scale so that decode uses exactly the same number.
  const scale = Math.fround(maxAbs / INT8_MAX);
  for (let i = 0; i < v.length; i++) {
    const q = scale === 0 ? 0 : Math.round(v[i]! / scale);
    codes[offset + i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
  }
  return scale;
}

export function quantizeVector(v: Float32Array): Buffer {
  const out = Buffer.alloc(quantizedByteLength(v.length));
  const codes = new Int8Array(out.buffer, out.byteOffset + QUANTIZED_HEADER_BYTES, v.length);
  out.writeFloatLE(quantizeInto(v, codes, 0), 0);
  return out;
}

/** Accepts any Uint8Array view (better-sqlite3 returns Buffers that may share a pooled ArrayBuffer). */
export function dequantizeVector(b: Uint8Array): Float32Array {
  if (b.byteLength < QUANTIZED_HEADER_BYTES) {
    throw new RangeError(`quantised vector needs at least ${QUANTIZED_HEADER_BYTES} bytes, got ${b.byteLength}`);
  }
  const scale = new DataView(b.buffer, b.byteOffset, b.byteLength).getFloat32(0, true);
  if (!Number.isFinite(scale) || scale < 0) throw new RangeError('quantised vector has an invalid scale');
  const codes = new Int8Array(b.buffer, b.byteOffset + QUANTIZED_HEADER_BYTES, b.byteLength - QUANTIZED_HEADER_BYTES);
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! * scale;
  return out;
}
