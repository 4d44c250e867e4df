// Vector-index benchmark: build, search latency and recall vs exact, persistence, storage size.
// Usage: npx tsx bench/index-hnsw.ts [--sizes=10000,100000] [--m=16] [--efc=200] [--ef=16,32,64] [--queries=200]
// Prints one JSON document on stdout; progress goes to stderr.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HNSW_DEFAULTS,
  createHnswIndex,
  dequantizeVector,
  exactSearch,
  loadOrCreateHnswIndex,
  quantizeVector,
  quantizedByteLength,
} from '../src/index/index.js';
import type { IndexLogger, LabelFilter, SearchHit } from '../src/index/index.js';
import { generateClusteredVectors } from '../src/index/synthetic-vectors.js';
import { option, percentile, progress, round } from './lib/cli.js';

const DIMS = 384;
const K = 10;

const numbers = (s: string): number[] => s.split(',').map(Number);

const sizes = numbers(option('sizes', '10000,100000'));
const m = Number(option('m', String(HNSW_DEFAULTS.m)));
const efConstruction = Number(option('efc', String(HNSW_DEFAULTS.efConstruction)));
const efSweep = numbers(option('ef', `16,32,48,${HNSW_DEFAULTS.efSearch},96,128`));
const queryCount = Number(option('queries', '200'));

const silent: IndexLogger = { info: () => undefined, warn: () => undefined };

function recall(truth: readonly number[][], found: ReadonlyArray<readonly SearchHit[]>): number {
  let hits = 0;
  let total = 0;
  truth.forEach((labels, i) => {
    const got = new Set(found[i]!.map((h) => h.label));
    hits += labels.filter((l) => got.has(l)).length;
    total += Math.min(K, labels.length);
  });
  return hits / total;
}

function timeQueries(queries: readonly Float32Array[], run: (q: Float32Array) => SearchHit[]) {
  for (const q of queries.slice(0, 20)) run(q); // warm-up
  const latencies: number[] = [];
  const results = queries.map((q) => {
    const start = performance.now();
    const hits = run(q);
    latencies.push(performance.now() - start);
    return hits;
  });
  latencies.sort((a, b) => a - b);
  return { results, p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies, 0.99)) };
}

async function benchSize(n: number) {
  progress(`[${n}] generating`);
  const set = generateClusteredVectors({ count: n, dimensions: DIMS, seed: 1234 });
  const rows = set.vectors.map((vector, label) => ({ label, vector }));
  const queries = set.queries(queryCount);

  progress(`[${n}] exact ground truth`);
  const truth = queries.map((q) => exactSearch(q, rows, K).map((h) => h.label));

  // Exact search over int8 round-tripped vectors vs float32 (the copies are dropped before timing).
  const int8Queries = queries.slice(0, 100);
  const int8Recall = ((): number => {
    const int8Rows = set.vectors.map((v, label) => ({ label, vector: dequantizeVector(quantizeVector(v)) }));
    return recall(truth.slice(0, int8Queries.length), int8Queries.map((q) => exactSearch(q, int8Rows, K)));
  })();
  const isotropic = generateClusteredVectors({ count: n, dimensions: DIMS, seed: 1234, intrinsicDimensions: 0 });
  const isoQueries = isotropic.queries(100);
  const int8RecallIsotropic = ((): number => {
    const fp32 = isotropic.vectors.map((vector, label) => ({ label, vector }));
    const int8 = isotropic.vectors.map((v, label) => ({ label, vector: dequantizeVector(quantizeVector(v)) }));
    const isoTruth = isoQueries.map((q) => exactSearch(q, fp32, K).map((h) => h.label));
    return recall(isoTruth, isoQueries.map((q) => exactSearch(q, int8, K)));
  })();

  const dir = mkdtempSync(join(tmpdir(), 'cortex-bench-'));
  try {
    const deps = { dimensions: DIMS, path: join(dir, 'vectors.hnsw'), logger: silent, m, efConstruction };
    progress(`[${n}] building (M=${m}, efConstruction=${efConstruction})`);
    let start = performance.now();
    const index = createHnswIndex({ ...deps, initialCapacity: 1024 }); // includes the ×2 resizes
    for (const { label, vector } of rows) index.add(label, vector);
    const buildMs = performance.now() - start;

    const sweep = efSweep.map((efSearch) => {
      const { results, p50Ms, p99Ms } = timeQueries(queries, (q) => index.search(q, K, undefined, { ef: efSearch }));
      return { efSearch, recallAt10: round(recall(truth, results)), p50Ms, p99Ms };
    });

    progress(`[${n}] filtered searches`);
    const filtered = [0.2, 0.05, 0.01, 0.001].map((selectivity) => {
      const every = Math.round(1 / selectivity);
      const allowed: LabelFilter = (label) => label % every === 3;
      const allowedRows = rows.filter((r) => allowed(r.label));
      const ftruth = queries.map((q) => exactSearch(q, allowedRows, K).map((h) => h.label));
      const shipped = timeQueries(queries, (q) => index.search(q, K, allowed));
      // Forcing the graph walk (an allowed count too big for the exact path) shows what it would cost.
      const graph = timeQueries(queries, (q) => index.search(q, K, allowed, { allowedCount: Number.MAX_SAFE_INTEGER }));
      const exactPath = allowedRows.length <= Math.max(HNSW_DEFAULTS.exactThreshold, n * 0.05);
      return {
        selectivity,
        allowed: allowedRows.length,
        defaultPath: exactPath ? 'exact int8 scan + float rescore' : 'hnsw with filter callback',
        default: {
          recallAt10: round(recall(ftruth, shipped.results)),
          p50Ms: shipped.p50Ms,
          p99Ms: shipped.p99Ms,
          minResults: Math.min(...shipped.results.map((r) => r.length)),
        },
        graphWalkOnly: { recallAt10: round(recall(ftruth, graph.results)), p50Ms: graph.p50Ms, p99Ms: graph.p99Ms },
      };
    });

    progress(`[${n}] save / load / rebuild`);
    start = performance.now();
    await index.save({ lastChange: n });
    const saveMs = performance.now() - start;
    const fileBytes = statSync(deps.path).size;

    start = performance.now();
    const loaded = await loadOrCreateHnswIndex(deps, { lastChange: n }, () => rows);
    const loadMs = performance.now() - start;
    if (loaded.loadedFrom !== 'disk') throw new Error(`expected a disk load, got ${loaded.loadedFrom}`);

    start = performance.now();
    const rebuilt = await loadOrCreateHnswIndex(deps, { lastChange: n + 1 }, () => rows);
    const rebuildMs = performance.now() - start;

    const defaults = sweep.find((s) => s.efSearch === HNSW_DEFAULTS.efSearch);
    return {
      vectors: n,
      buildMs: Math.round(buildMs),
      search: defaults ?? null,
      efSweep: sweep,
      filtered,
      saveMs: Math.round(saveMs),
      loadFromDiskMs: Math.round(loadMs),
      rebuildMs: Math.round(rebuildMs),
      rebuiltReason: rebuilt.loadedFrom === 'rebuilt' ? rebuilt.reason : null,
      fileBytes,
      bytesPerVector: {
        fp32: DIMS * 4,
        int8Blob: quantizedByteLength(DIMS),
        hnswFile: round(fileBytes / n, 1),
        inMemoryInt8Copy: DIMS + 4,
      },
      int8ExactRecallAt10VsFp32: round(int8Recall),
      int8ExactRecallAt10VsFp32IsotropicClusters: round(int8RecallIsotropic),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const n of sizes) results.push(await benchSize(n));
console.log(
  JSON.stringify(
    {
      node: process.version,
      dimensions: DIMS,
      k: K,
      params: {
        m,
        efConstruction,
        efSearch: HNSW_DEFAULTS.efSearch,
        exactThreshold: HNSW_DEFAULTS.exactThreshold,
      },
      data: 'clustered: ~100 points per cluster, each spread along 8 random directions + small isotropic noise',
      queries: queryCount,
      results,
    },
    null,
    2,
  ),
);
