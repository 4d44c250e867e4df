import type { Db, StatementCache } from '../../storage/index.js';
import { TIER_CODES, type SqlCondition } from '../rows.js';

// memory_chunks is written only by memory/vectors.ts; these reads join it here because they pick
// chunks by their memory's tier, namespace or filter. Each takes the current embedding model:
// vectors of another model are in another space and are never searched (they wait to be re-made).

/** Memories whose chunks belong in the HNSW index: every tier but COLD. */
const INDEXED = `m.tier != ${TIER_CODES.COLD}`;

/** A stored chunk vector with what scoring needs to know of it. */
export interface StoredChunk {
  readonly row_id: number;
  /** 1 for the vector of the memory's thread window, 0 for a chunk of its own text. */
  readonly window_vector: number;
  readonly vector: Buffer;
}

export function chunkReads(db: Db, prepared: StatementCache) {
  const indexed = db.prepare<[string], { chunk_id: number; row_id: number; namespace: string; vector: Buffer }>(
    `SELECT c.chunk_id, c.row_id, m.namespace, c.vector FROM memory_chunks c JOIN memories m ON m.row_id = c.row_id
      WHERE ${INDEXED} AND c.model = ?`,
  );
  const indexedOwners = db.prepare<[string], { chunk_id: number; row_id: number; namespace: string }>(
    `SELECT c.chunk_id, c.row_id, m.namespace FROM memory_chunks c JOIN memories m ON m.row_id = c.row_id
      WHERE ${INDEXED} AND c.model = ?`,
  );
  const isIndexed = db.prepare<[number], { indexed: number }>(`SELECT ${INDEXED} AS indexed FROM memories m WHERE m.row_id = ?`);
  return {
    /** Every chunk of `model` the vector index should hold, with its vector: what a rebuild reads. */
    indexedChunks: (model: string) => indexed.iterate(model),
    /** Every indexed chunk of `model` with its memory and namespace, without vectors. */
    indexedChunkOwners: (model: string) => indexedOwners.iterate(model),
    /** Whether a memory's chunks belong in the vector index (false for a COLD or missing one). */
    isIndexed: (rowId: number): boolean => isIndexed.get(rowId)?.indexed === 1,
    /** The stored `model` chunk vectors of the COLD memories passing `condition` (a WHERE fragment over `m`). */
    coldChunks(condition: SqlCondition, model: string): IterableIterator<StoredChunk> {
      return prepared<StoredChunk>(
        `SELECT c.row_id, c.window_vector, c.vector FROM memory_chunks c JOIN memories m ON m.row_id = c.row_id
          WHERE m.tier = ${TIER_CODES.COLD} AND c.model = ? AND ${condition.sql}`,
      ).iterate(model, ...condition.params);
    },
  };
}
