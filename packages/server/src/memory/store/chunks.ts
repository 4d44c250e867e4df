import type { Db, StatementCache } from '../../storage/index.js';
import { TIER_CODES, type SqlCondition } from '../rows.js';

// memory_chunks is written only by memory/vectors.ts; these reads join it here because they pick
// chunks by their memory's tier, namespace or filter.

/** Memories whose chunks belong in the HNSW index: every tier but COLD. */
const INDEXED = `m.tier != ${TIER_CODES.COLD}`;

export function chunkReads(db: Db, prepared: StatementCache) {
  const indexed = db.prepare<[], { chunk_id: number; row_id: number; namespace: string; vector: Buffer }>(
    `SELECT c.chunk_id, c.row_id, m.namespace, c.vector FROM memory_chunks c JOIN memories m ON m.row_id = c.row_id
      WHERE ${INDEXED}`,
  );
  const indexedOwners = db.prepare<[], { chunk_id: number; row_id: number; namespace: string }>(
    `SELECT c.chunk_id, c.row_id, m.namespace FROM memory_chunks c JOIN memories m ON m.row_id = c.row_id
      WHERE ${INDEXED}`,
  );
  const isIndexed = db.prepare<[number], { indexed: number }>(`SELECT ${INDEXED} AS indexed FROM memories m WHERE m.row_id = ?`);
  return {
    /** Every chunk the vector index should hold, with its vector: what a rebuild reads. */
    indexedChunks: () => indexed.iterate(),
    /** Every indexed chunk's memory and namespace, without vectors. */
    indexedChunkOwners: () => indexedOwners.iterate(),
    /** Whether a memory's chunks belong in the vector index (false for a COLD or missing one). */
    isIndexed: (rowId: number): boolean => isIndexed.get(rowId)?.indexed === 1,
    /** The stored chunk vectors of the COLD memories passing `condition` (a WHERE fragment over `m`). */
    coldChunks(condition: SqlCondition): IterableIterator<{ row_id: number; vector: Buffer }> {
      return prepared<{ row_id: number; vector: Buffer }>(
        `SELECT c.row_id, c.vector FROM memory_chunks c JOIN memories m ON m.row_id = c.row_id
          WHERE m.tier = ${TIER_CODES.COLD} AND ${condition.sql}`,
      ).iterate(...condition.params);
    },
  };
}
