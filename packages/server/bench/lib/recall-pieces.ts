// Server-side recall time without gRPC and without the query embedding: the pieces recall() in
// src/memory/index.ts runs for a query (FTS5 search, HNSW search, fusion, row fetch and the access
// update), timed in-process over a server's data directory with a precomputed query vector.
// This mirrors recall() rather than calling it, because the memory service is only reachable
// through the server's wiring; keep FUSION_DEPTH and HYBRID_RRF_K in step with that file.
import { join } from 'node:path';
import type { Logger } from 'winston';
import type { Embedder } from '../../src/embedding/index.js';
import { fuseRankings, type ScoredId } from '../../src/index/fusion.js';
import { createKeywordIndex } from '../../src/index/keyword.js';
import { filterCondition, memoryFromRow, type MemoryRow } from '../../src/memory/rows.js';
import { createMemoryVectors } from '../../src/memory/vectors.js';
import { openDatabase } from '../../src/storage/index.js';

const FUSION_DEPTH = 20;
const HYBRID_RRF_K = 5;

export type PieceMode = 'VECTOR' | 'KEYWORD' | 'HYBRID';

export async function openRecallPieces(dataDir: string, embedder: Embedder, logger: Logger) {
  const db = openDatabase({ path: join(dataDir, 'cortex.db') });
  const vectors = await createMemoryVectors({
    db,
    embedder,
    logger,
    indexPath: join(dataDir, 'vectors.hnsw'),
    saveIntervalMs: 86_400_000,
  });
  const keywordIndex = createKeywordIndex(db);

  return {
    loadedFrom: vectors.loadedFrom,
    /**
     * One recall as the server runs it, minus the embedding. Returns the hit count and how long
     * the access update (last_accessed_at / access_count, a write on the read path) took.
     */
    recall(namespace: string, mode: PieceMode, query: string, queryVector: Float32Array, topK: number): { hits: number; accessUpdateMs: number } {
      const now = Date.now();
      const condition = filterCondition(namespace, { tiers: ['HOT', 'WARM'] }, now);
      const depth = mode === 'HYBRID' ? Math.max(2 * topK, FUSION_DEPTH) : topK;
      const keyword: ScoredId[] =
        mode === 'VECTOR' ? [] : keywordIndex.search({ query, condition, limit: depth }).map((h) => ({ id: String(h.rowId), score: h.score }));
      const vector: ScoredId[] =
        mode === 'KEYWORD' ? [] : vectors.search(namespace, queryVector, depth).map((h) => ({ id: String(h.rowId), score: h.score }));
      const fused = fuseRankings({ vector, keyword }, { k: HYBRID_RRF_K });
      const ids = fused.map((h) => Number(h.id));
      const rows =
        ids.length === 0
          ? []
          : db
              .prepare<Array<string | number>, MemoryRow>(
                `SELECT m.* FROM memories m NOT INDEXED WHERE m.row_id IN (${ids.map(() => '?').join(', ')}) AND ${condition.sql}`,
              )
              .all(...ids, ...condition.params);
      const byId = new Map(rows.map((row) => [row.row_id, row]));
      const hitRows = fused.flatMap((h) => byId.get(Number(h.id)) ?? []).slice(0, topK);
      const memories = hitRows.map(memoryFromRow);
      const updateStarted = performance.now();
      if (hitRows.length > 0) {
        db.prepare(
          `UPDATE memories SET last_accessed_at = ?, access_count = access_count + 1 WHERE row_id IN (${hitRows.map(() => '?').join(', ')})`,
        ).run(now, ...hitRows.map((row) => row.row_id));
      }
      return { hits: memories.length, accessUpdateMs: performance.now() - updateStarted };
    },
    async close(): Promise<void> {
      await vectors.close();
      db.close();
    },
  };
}
