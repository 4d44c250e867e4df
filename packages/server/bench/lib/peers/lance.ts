// LanceDB's side of bench:peers, through its Node API (npm @lancedb/lancedb, embedded): a table of
// (id, text, vector), an HNSW vector index (one partition, Cortex's graph parameters) and a
// full-text index on the text, rebuilt after each stage's rows; hybrid is its vector + full-text
// query fused by its RRF reranker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Table } from '@lancedb/lancedb';
import { HNSW_DEFAULTS } from '../../../src/index/index.js';
import { dirBytes, timeQueries, TOP_K, type Corpus, type PeerRun, type PeerStage } from './types.js';

const BATCH = 10_000;

/** The installed version (its package.json is not among the package's exports). */
function lanceVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@lancedb/lancedb');
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function runLance(corpus: Corpus): Promise<PeerRun> {
  // Its native logger reads LANCEDB_LOG once, when the module loads: warnings only about its own API changes.
  process.env.LANCEDB_LOG ??= 'error';
  const lancedb = await import('@lancedb/lancedb');
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-lance-'));
  try {
    const db = await lancedb.connect(dataDir);
    const reranker = await lancedb.rerankers.RRFReranker.create();
    let table: Table | undefined;
    const stages: PeerStage[] = [];
    let stored = 0;
    for (const n of corpus.stages) {
      const started = performance.now();
      for (let i = stored; i < n; i += BATCH) {
        const row = (text: string, k: number) => ({ id: i + k, text, vector: Array.from(corpus.vectors[i + k]!) });
        const rows = corpus.docs.slice(i, Math.min(n, i + BATCH)).map(row);
        if (table === undefined) table = await db.createTable('docs', rows);
        else await table.add(rows);
      }
      const docs = table!;
      const hnsw = lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: HNSW_DEFAULTS.m, efConstruction: HNSW_DEFAULTS.efConstruction });
      await docs.createIndex('vector', { config: hnsw, replace: true });
      await docs.createIndex('text', { config: lancedb.Index.fts(), replace: true });
      const ingestSeconds = (performance.now() - started) / 1000;

      const nearest = (q: number) => docs.query().nearestTo(corpus.queryVectors[q]!).distanceType('cosine').ef(HNSW_DEFAULTS.efSearch);
      // Rows come back as Arrow-decoded objects; `id` is the number stored.
      const ids = (rows: unknown[]) => rows.map((row) => (row as { id: number }).id);
      const vector = await timeQueries(corpus.queries.length, async (q) => ids(await nearest(q).select(['id']).limit(TOP_K).toArray()));
      const hybrid = await timeQueries(corpus.queries.length, async (q) =>
        ids(await nearest(q).fullTextSearch(corpus.queries[q]!).rerank(reranker).select(['id']).limit(TOP_K).toArray()),
      );
      stages.push({
        documents: n,
        ingested: n - stored,
        ingestSeconds,
        vectorMs: vector.ms,
        hybridMs: hybrid.ms,
        vectorIds: vector.results,
        diskBytes: dirBytes(dataDir),
      });
      stored = n;
    }
    return {
      version: lanceVersion(),
      setup: `embedded; HNSW-SQ vector index, 1 partition, M ${HNSW_DEFAULTS.m}, ef_construction ${HNSW_DEFAULTS.efConstruction}, ef ${HNSW_DEFAULTS.efSearch}; FTS index on text`,
      hybridNote: 'vector + full-text query fused by RRFReranker',
      stages,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
