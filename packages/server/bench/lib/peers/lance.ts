// LanceDB's side of bench:peers, through its Node API (npm @lancedb/lancedb, embedded): a table of
// (id, text, vector), an HNSW vector index (one partition, Cortex's graph parameters) and a
// full-text index on the text, rebuilt after each stage's rows; hybrid is its vector + full-text
// query fused by its RRF reranker.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { HNSW_DEFAULTS } from '../../../src/index/index.js';
import { dirBytes, timeQueries, TOP_K, type Corpus, type PeerRun, type PeerStage } from './types.js';

const BATCH = 10_000;

export async function runLance(corpus: Corpus): Promise<PeerRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-lance-'));
  try {
    const db = await lancedb.connect(dataDir);
    const reranker = await lancedb.rerankers.RRFReranker.create();
    let table: lancedb.Table | undefined;
    const stages: PeerStage[] = [];
    let stored = 0;
    for (const n of corpus.stages) {
      const started = performance.now();
      for (let i = stored; i < n; i += BATCH) {
        const rows = corpus.docs.slice(i, Math.min(n, i + BATCH)).map((text, k) => ({ id: i + k, text, vector: Array.from(corpus.vectors[i + k]!) }));
        if (table === undefined) table = await db.createTable('docs', rows);
        else await table.add(rows);
      }
      const docs = table!;
      const hnsw = lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: HNSW_DEFAULTS.m, efConstruction: HNSW_DEFAULTS.efConstruction });
      await docs.createIndex('vector', { config: hnsw, replace: true });
      await docs.createIndex('text', { config: lancedb.Index.fts(), replace: true });
      const ingestSeconds = (performance.now() - started) / 1000;

      const nearest = (q: number) => docs.query().nearestTo(corpus.queryVectors[q]!).distanceType('cosine').ef(HNSW_DEFAULTS.efSearch);
      const ids = (rows: Array<{ id: number }>) => rows.map((row) => Number(row.id));
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
      version: (createRequire(import.meta.url)('@lancedb/lancedb/package.json') as { version: string }).version,
      setup: `embedded; HNSW-SQ vector index, 1 partition, M ${HNSW_DEFAULTS.m}, ef_construction ${HNSW_DEFAULTS.efConstruction}, ef ${HNSW_DEFAULTS.efSearch}; FTS index on text`,
      hybridNote: 'vector + full-text query fused by RRFReranker',
      stages,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
