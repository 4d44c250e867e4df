// Recall benchmark: latency of VECTOR / KEYWORD / HYBRID recall at 10k and 100k memories, HNSW
// recall@10 against exact search, embedding throughput, ingest and index build time, and
// start-up time with the vector index on disk vs rebuilt from SQLite.
//
// Usage: npx tsx bench/recall.ts [--quick] [--queries N]
//   --quick    10k memories only (start-up is then measured at 10k)
//   --queries  recall queries per mode and stage (default 200)
//   --data-dir keep the server's data in this new directory instead of a temp one (for profiling)
// Prints one JSON document on stdout; progress goes to stderr.
//
// How the data gets in (see `notes` in the output): memories are synthetic texts written through
// the real gRPC Remember path of a real server. Their vectors are clustered synthetic unit vectors,
// put in the server's own embedding cache (keyed by content hash, as the server does after
// embedding) before the writes, so Remember finds them there instead of running the model 100k
// times; everything after the embedding (SQLite rows, FTS5, ledger, int8 chunk vectors, HNSW)
// is the production path. Server-side latency (no gRPC, no embedding) times the server's own
// recall() in-process over the same data, query vectors served from the cache; the gRPC numbers use query
// vectors cached the same way, and the end-to-end numbers uncached query texts the model embeds.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import winston from 'winston';
import { openCortexCore } from '../src/core.js';
import { createOnnxEmbedder } from '../src/embedding/index.js';
import { MemoryServiceClient, RecallMode, type MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { exactSearch } from '../src/index/index.js';
import { generateClusteredVectors } from '../src/index/synthetic-vectors.js';
import { call, TEST_MODEL, TEST_MODEL_DIR } from '../test/harness.js';
import { flag, latencySummary, option, progress, round } from './lib/cli.js';
import { measureEmbeddingRate } from './lib/embedding-rate.js';
import { benchConfig, startInProcessServer } from './lib/in-process-server.js';
import { seedEmbeddingCache } from './lib/load/seed.js';
import { createSyntheticText } from './lib/synthetic-text.js';

const DIMENSIONS = 384;
const K = 10;
const BATCH = 500;
const NAMESPACE = 'bench';
const WARMUP = 20;
/** Queries checked against exact search (exact search over 100k in JS costs ~50 ms a query). */
const RECALL_QUERIES = 100;

const quick = flag('quick');
const queryCount = Number(option('queries', '200'));
const stages = quick ? [10_000] : [10_000, 100_000];
const total = stages.at(-1)!;

const MODES = {
  VECTOR: RecallMode.RECALL_MODE_VECTOR,
  KEYWORD: RecallMode.RECALL_MODE_KEYWORD,
  HYBRID: RecallMode.RECALL_MODE_HYBRID,
} as const;
type ModeName = keyof typeof MODES;

const text = createSyntheticText();
const memoryId = (i: number): string => `m${i}`;

function input(i: number): MemoryInput {
  return { id: memoryId(i), agentId: '', content: text.memory(i), kind: 'note', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] };
}

async function ingest(client: MemoryServiceClient, from: number, to: number): Promise<number> {
  const started = performance.now();
  for (let i = from; i < to; i += BATCH) {
    const memories = Array.from({ length: Math.min(BATCH, to - i) }, (_, j) => input(i + j));
    await call(client.remember.bind(client), { namespace: NAMESPACE, memories });
    if ((i - from) % 10_000 === 0 && i > from) progress(`  ingested ${i}`);
  }
  return performance.now() - started;
}

async function recallIds(client: MemoryServiceClient, query: string, mode: ModeName): Promise<string[]> {
  const request = { namespace: NAMESPACE, query, topK: K, mode: MODES[mode], filter: undefined, minScore: 0 };
  const response = await call(client.recall.bind(client), request);
  return response.hits.map((hit) => hit.memory?.id ?? '');
}

/** Sequential calls, one at a time, after a warm-up: the latency a single caller sees. */
async function timeCalls(count: number, run: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(WARMUP, count); i += 1) await run(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = performance.now();
    await run(i);
    samples.push(performance.now() - t);
  }
  return latencySummary(samples);
}

async function main(): Promise<void> {
  const began = performance.now();
  const report: Record<string, unknown> = {
    benchmark: 'recall',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavgAtStart: loadavg().map((x) => round(x, 2)) },
    settings: { stages, queriesPerMode: queryCount, serverSideQueriesPerMode: queryCount * 5, recallQueries: RECALL_QUERIES, topK: K, namespace: 'one namespace holds every memory' },
  };

  progress('embedding throughput (real model, no cache)');
  report.embedding = { texts: 'short English sentences, all distinct', ...(await measureEmbeddingRate(TEST_MODEL_DIR, TEST_MODEL, { singles: 200, batches: 15 })) };

  progress(`generating ${total} clustered vectors`);
  const set = generateClusteredVectors({ count: total, dimensions: DIMENSIONS, seed: 20240611 });
  // The in-process pieces are cheap, so they get more queries for a steadier p99.
  const pieceQueries = queryCount * 5;
  const queryVectors = set.queries(pieceQueries);

  const keepDir = option('data-dir', '');
  if (keepDir !== '' && existsSync(keepDir)) throw new Error(`--data-dir ${keepDir} already exists; give a new path`);
  if (keepDir !== '') mkdirSync(keepDir, { recursive: true });
  const dataDir = keepDir !== '' ? resolve(keepDir) : mkdtempSync(join(tmpdir(), 'cortex-bench-recall-'));
  const silentLogger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  // Only for the in-process pieces, which need an Embedder to open the vectors; they never embed.
  const embedder = await createOnnxEmbedder({ modelDir: TEST_MODEL_DIR, model: TEST_MODEL, logger: silentLogger, workers: 0 });
  try {
    // Seed the server's embedding cache (see the header comment), keyed as the server looks texts
    // up (with the model's document and query prefixes), then close: the server opens it.
    {
      const t = performance.now();
      await seedEmbeddingCache(dataDir, [
        { purpose: 'document', texts: Array.from({ length: total }, (_, i) => text.memory(i)), vectors: set.vectors },
        { purpose: 'query', texts: Array.from({ length: pieceQueries }, (_, j) => text.query(j)), vectors: queryVectors },
      ]);
      progress(`seeded embedding cache in ${Math.round(performance.now() - t)} ms`);
    }

    const results: Record<string, unknown> = {};
    let stored = 0;
    for (const n of stages) {
      const server = await startInProcessServer(dataDir);
      const client = server.client;
      progress(`[${n}] ingesting through gRPC Remember`);
      const ingestMs = await ingest(client, stored, n);
      const ingested = n - stored;
      stored = n;

      progress(`[${n}] recall latency over gRPC (query vector cached)`);
      const overGrpc = {} as Record<ModeName, ReturnType<typeof latencySummary>>;
      for (const mode of Object.keys(MODES) as ModeName[]) {
        overGrpc[mode] = await timeCalls(queryCount, (i) => recallIds(client, text.query(i), mode));
      }
      const getMemory = client.getMemory.bind(client);
      const noopRoundTrip = await timeCalls(queryCount, (i) => call(getMemory, { namespace: NAMESPACE, id: memoryId(i) }));

      progress(`[${n}] HNSW recall@10 against exact search`);
      const candidates = set.vectors.slice(0, n).map((vector, label) => ({ label, vector }));
      let found = 0;
      for (let j = 0; j < RECALL_QUERIES; j += 1) {
        const truth = new Set(exactSearch(queryVectors[j]!, candidates, K).map((hit) => memoryId(hit.label)));
        const got = await recallIds(client, text.query(j), 'VECTOR');
        found += got.filter((id) => truth.has(id)).length;
      }

      let endToEnd: Record<string, unknown> | undefined;
      if (n === stages[0]) {
        progress(`[${n}] end-to-end recall latency (query embedded by the model)`);
        endToEnd = {};
        for (const mode of ['VECTOR', 'HYBRID'] as const) {
          // Texts never seen before, so each call runs the model once.
          const offset = mode === 'VECTOR' ? 1_000_000 : 2_000_000;
          endToEnd[mode] = await timeCalls(Math.min(queryCount, 100), (i) => recallIds(client, text.query(offset + i), mode));
        }
      }
      await server.stop();

      progress(`[${n}] server-side recall in-process (no gRPC; query vectors from the embedding cache)`);
      const core = await openCortexCore({
        config: benchConfig(dataDir),
        logger: silentLogger,
        clock: Date.now,
        registry: new Registry(),
      });
      const serverSide = {} as Record<ModeName, ReturnType<typeof latencySummary>>;
      for (const mode of Object.keys(MODES) as ModeName[]) {
        const run = (i: number) => core.memories.recall(NAMESPACE, { mode, query: text.query(i), topK: K, filter: {}, minScore: 0 });
        for (let i = 0; i < WARMUP; i += 1) await run(i);
        const times: number[] = [];
        for (let i = 0; i < pieceQueries; i += 1) {
          const t = performance.now();
          await run(i);
          times.push(performance.now() - t);
        }
        serverSide[mode] = latencySummary(times);
      }
      await core.close();

      results[String(n)] = {
        ingest: { memories: ingested, ms: Math.round(ingestMs), memoriesPerSec: round((ingested * 1000) / ingestMs, 1) },
        recallServerSideMs: serverSide,
        recallOverGrpcCachedQueryVectorMs: overGrpc,
        grpcRoundTripGetMemoryMs: noopRoundTrip,
        hnswRecallAt10: round(found / (RECALL_QUERIES * K), 4),
        ...(endToEnd ? { recallEndToEndMs: endToEnd } : {}),
      };
      progress(`[${n}] ${JSON.stringify(results[String(n)])}`);
    }
    report.stages = results;

    progress(`[${total}] start-up: index from disk, then rebuilt from SQLite`);
    const indexBytes = statSync(join(dataDir, 'vectors.hnsw')).size;
    let server = await startInProcessServer(dataDir);
    const disk = { source: server.cortex.vectorIndexSource, startMs: Math.round(server.startMs), indexLoadMs: eventMs(server.events, 'vector index loaded from disk') };
    await server.stop();
    rmSync(join(dataDir, 'vectors.hnsw'), { force: true });
    rmSync(join(dataDir, 'vectors.hnsw.meta.json'), { force: true });
    server = await startInProcessServer(dataDir);
    const rebuilt = { source: server.cortex.vectorIndexSource, startMs: Math.round(server.startMs), indexBuildMs: eventMs(server.events, 'vector index rebuilt') };
    await server.stop();
    report.startup = { memories: total, indexFileBytes: indexBytes, fromDisk: disk, rebuiltFromSqlite: rebuilt };
  } finally {
    await embedder.close();
    if (keepDir === '') rmSync(dataDir, { recursive: true, force: true });
  }

  report.notes = [
    'Memories: synthetic pseudo-word texts (10-24 words, Zipf-like with a flattened head) written through gRPC Remember to a real in-process server, one namespace, batches of 500.',
    "Vectors: clustered synthetic 384-d unit vectors (src/index/synthetic-vectors.ts), seeded into the server's embedding cache before the writes, so Remember skips inference; the rest of the write path is the production one. Texts and vectors are unrelated, so the lists VECTOR and KEYWORD return differ, as they would for a real query.",
    'recallServerSideMs: the server\'s own MemoryService.recall() (src/core.ts wiring) over the same data directory, minus gRPC; the query vector comes from the embedding cache (a cache hit), so model inference is excluded. Includes FTS5 search, HNSW search with the namespace filter, RRF fusion, row fetch and access recording.',
    'recallOverGrpcCachedQueryVectorMs: gRPC Recall against the real server with the query vector already in its embedding cache, timed at the client over localhost: the full server path without the model, plus gRPC and protobuf; grpcRoundTripGetMemoryMs is the floor of that overhead.',
    'recallEndToEndMs: gRPC Recall with a never-seen query text, so the model embeds it (batch 1) inside the call.',
    'hnswRecallAt10: the ids VECTOR recall returns (server HNSW, with its namespace filter) against exact cosine top-10 over the same float vectors.',
    'startup: startCortex until it serves, model load included; the rebuild reads the int8 chunk vectors back from SQLite.',
  ];
  report.totalSec = round((performance.now() - began) / 1000, 1);
  report.machine = { ...(report.machine as object), loadavgAtEnd: loadavg().map((x) => round(x, 2)) };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

function eventMs(events: ReadonlyArray<Record<string, unknown>>, message: string): number | undefined {
  const event = events.find((e) => e.message === message);
  return typeof event?.ms === 'number' ? event.ms : undefined;
}

await main();
