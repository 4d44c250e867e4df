// Peers benchmark (issue 11): the same documents and the same vectors (Cortex's model) loaded into Cortex,
// LanceDB (npm @lancedb/lancedb) and Chroma (pip chromadb, in-process PersistentClient), each in
// its own process or in-process library form, one after the other. For each, at every stage
// (document count): ingest rate, VECTOR and hybrid top-10 latency p50/p99 (where the system has a
// hybrid), recall@10 of VECTOR against exact search, and bytes on disk.
//
// Usage: npm run bench:peers -- [--quick] [--queries=200] [--only=cortex,lancedb,chroma]
//   --quick  stages of 2,000 and 5,000 documents, 50 queries: a smoke run
// Prints one JSON document on stdout (with a Markdown table in `table`); progress goes to stderr.
// Chroma runs in a venv this script creates under the gitignored .bench-cache/peers (first run
// downloads chromadb from PyPI). Documents' and queries' vectors are computed once by Cortex's
// model (CORTEX_EMBEDDING_MODEL or the default; the documents embedded as documents, the queries
// as queries) and kept in .bench-cache/embeddings.
import { cpus, loadavg } from 'node:os';
import { exactSearch } from '../src/index/index.js';
import { flag, latencySummary, option, progress, round } from './lib/cli.js';
import { embeddingsOf } from './lib/embedding-file.js';
import { loadTexts } from './lib/load/texts.js';
import { runChroma } from './lib/peers/chroma.js';
import { runCortex } from './lib/peers/cortex.js';
import { runLance } from './lib/peers/lance.js';
import type { Corpus, PeerRun } from './lib/peers/types.js';
import { TEST_MODEL } from '../test/harness.js';

const quick = flag('quick');
const stages = quick ? [2_000, 5_000] : [10_000, 100_000];
const only = new Set(option('only', 'cortex,lancedb,chroma').split(','));
const K = 10;

/** The LoCoMo turns, then pairs of turns (distinct for every i), up to n documents of real English. */
function documents(turns: readonly string[], n: number): string[] {
  const t = turns.length;
  return Array.from({ length: n }, (_, i) => (i < t ? turns[i]! : `${turns[i % t]!} ${turns[(i % t + 1 + Math.floor(i / t)) % t]!}`));
}

/** For each stage, the exact top-10 document numbers of each query (cosine; the vectors are unit length). */
function exactTop10(corpus: Corpus): number[][][] {
  return stages.map((n) => {
    const candidates = corpus.vectors.slice(0, n).map((vector, label) => ({ label, vector }));
    return corpus.queryVectors.map((q) => exactSearch(q, candidates, K).map((hit) => hit.label));
  });
}

function recallAt10(truth: readonly number[][], got: readonly number[][]): number {
  let found = 0;
  truth.forEach((ids, q) => {
    const want = new Set(ids);
    found += (got[q] ?? []).filter((id) => want.has(id)).length;
  });
  return round(found / (truth.length * K), 4);
}

async function main(): Promise<void> {
  const began = performance.now();
  const texts = loadTexts();
  const queryCount = Math.min(Number(option('queries', quick ? '50' : '200')), texts.questions.length);
  const docs = documents(texts.turns, stages.at(-1)!);
  const queries = texts.questions.slice(0, queryCount);
  const corpus: Corpus = { docs, vectors: await embeddingsOf(docs, 'document'), queries, queryVectors: await embeddingsOf(queries, 'query'), stages };
  progress('exact top-10 for every query and stage');
  const truth = exactTop10(corpus);

  const runners: Record<string, (c: Corpus) => Promise<PeerRun>> = { cortex: runCortex, lancedb: runLance, chroma: runChroma };
  const systems: Record<string, unknown> = {};
  for (const [name, run] of Object.entries(runners)) {
    if (!only.has(name)) continue;
    progress(name);
    const result = await run(corpus);
    systems[name] = {
      version: result.version,
      setup: result.setup,
      hybrid: result.hybridNote,
      stages: result.stages.map((stage, s) => ({
        documents: stage.documents,
        ingestPerSec: round(stage.ingested / stage.ingestSeconds, 1),
        vectorMs: latencySummary(stage.vectorMs),
        hybridMs: stage.hybridMs ? latencySummary(stage.hybridMs) : null,
        recallAt10: recallAt10(truth[s]!, stage.vectorIds),
        diskBytes: stage.diskBytes,
      })),
    };
  }

  const report = {
    benchmark: 'peers',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg: loadavg().map((x) => round(x, 2)) },
    settings: { stages, queries: queryCount, topK: K, documents: 'LoCoMo dev turns, then pairs of turns', vectors: `${TEST_MODEL} (the model Cortex serves with), computed once` },
    systems,
    table: markdownTable(systems as Record<string, { stages: TableStage[]; hybrid: string }>),
    notes: [
      'Every system is used in-process through its own API, queries one at a time after 20 warm-up queries: Cortex\'s MemoryService.recall() (openCortexCore; the query vector comes from its embedding cache, so no model runs), LanceDB\'s Node API, Chroma\'s PersistentClient in Python (the time is taken inside Python).',
      'Graph parameters are the same where a system has them: HNSW M 16, ef_construction 100, ef_search 64 (Cortex\'s defaults).',
      'Ingest: from vectors in hand to searchable, index builds included (LanceDB builds its vector and full-text indexes after each stage\'s rows are added). Cortex\'s ingest is its whole Remember path: SQLite rows, FTS5, the signed ledger, int8 chunk vectors and HNSW.',
      'Disk: every file in the system\'s data directory after the stage; Cortex\'s includes its embedding cache (the float vector of every text it was given, 1.5 KB each) and the ledger.',
    ],
    totalSec: round((performance.now() - began) / 1000, 1),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

interface TableStage {
  documents: number;
  ingestPerSec: number;
  vectorMs: { p50Ms: number; p99Ms: number };
  hybridMs: { p50Ms: number; p99Ms: number } | null;
  recallAt10: number;
  diskBytes: number;
}

/** One table: a row per system and stage. */
function markdownTable(systems: Record<string, { stages: TableStage[]; hybrid: string }>): string {
  const lines = [
    '| system | documents | ingest /s | VECTOR p50 / p99 ms | hybrid p50 / p99 ms | recall@10 | disk MB |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, system] of Object.entries(systems)) {
    for (const s of system.stages) {
      const hybrid = s.hybridMs ? `${s.hybridMs.p50Ms} / ${s.hybridMs.p99Ms}` : 'none';
      lines.push(`| ${name} | ${s.documents} | ${s.ingestPerSec} | ${s.vectorMs.p50Ms} / ${s.vectorMs.p99Ms} | ${hybrid} | ${s.recallAt10} | ${round(s.diskBytes / 1e6, 1)} |`);
    }
  }
  return lines.join('\n');
}

await main();
