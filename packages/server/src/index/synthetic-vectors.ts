// Deterministic clustered unit vectors for tests and benchmarks. Uniform noise in 384-d is a poor
// stand-in for sentence embeddings (every pair is near-orthogonal, so "nearest" is meaningless).
// Centroid + isotropic noise is not much better: in 384-d the noise averages out, so a query is
// almost equally similar to every member of its cluster and top-10 scores differ in the 4th decimal.
// Real embeddings vary along few directions within a topic, so each cluster here spreads along its
// own low-rank subspace, plus a little isotropic noise: neighbours are then genuinely nearer.

export interface SyntheticOptions {
  readonly count: number;
  readonly dimensions: number;
  readonly seed?: number;
  /** Points per cluster on average (default 100). */
  readonly clusterSize?: number;
  /** Directions a cluster varies along (default 8); 0 gives centroid + isotropic noise only. */
  readonly intrinsicDimensions?: number;
}

export interface SyntheticSet {
  readonly vectors: Float32Array[];
  /** Fresh points from the same clusters, not in `vectors`. */
  queries(count: number): Float32Array[];
}

/** mulberry32: tiny seeded PRNG so every run sees the same data. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function createGaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

export function randomUnitVector(dimensions: number, gaussian: () => number): Float32Array {
  const v = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) v[i] = gaussian();
  return normalize(v);
}

export function generateClusteredVectors(opts: SyntheticOptions): SyntheticSet {
  const { count, dimensions } = opts;
  const random = createRandom(opts.seed ?? 42);
  const gaussian = createGaussian(random);
  const clusterCount = Math.max(1, Math.round(count / (opts.clusterSize ?? 100)));
  const rank = opts.intrinsicDimensions ?? 8;
  const clusters = Array.from({ length: clusterCount }, () => ({
    centroid: randomUnitVector(dimensions, gaussian),
    basis: Array.from({ length: rank }, () => randomUnitVector(dimensions, gaussian)),
    // Along-subspace spread 0.15..0.35 per direction; with rank 0 the isotropic noise does the work.
    spread: rank > 0 ? 0.15 + 0.2 * random() : 0,
    noise: rank > 0 ? 0.01 : 0.03 + 0.05 * random(),
  }));

  const point = (): Float32Array => {
    const cluster = clusters[Math.floor(random() * clusterCount)]!;
    const v = Float32Array.from(cluster.centroid);
    for (const direction of cluster.basis) {
      const z = cluster.spread * gaussian();
      for (let i = 0; i < dimensions; i++) v[i] = v[i]! + z * direction[i]!;
    }
    for (let i = 0; i < dimensions; i++) v[i] = v[i]! + cluster.noise * gaussian();
    return normalize(v);
  };

  const vectors = Array.from({ length: count }, point);
  return { vectors, queries: (n) => Array.from({ length: n }, point) };
}
