import type { Logger } from 'winston';
import type { Embedder } from '../embedding/index.js';
import { createPeriodicJob, mapInSlices } from '../jobs/index.js';
import {
  dequantizeVector,
  loadOrCreateHnswIndex,
  quantizeVector,
  type HnswIndex,
  type HnswLoadResult,
  type IndexChange,
  type LabelFilter,
  type SearchOptions,
} from '../index/index.js';
import type { Db, Tx } from '../storage/index.js';
import { createChunkOwners } from './chunk-owners.js';
import { createIndexUpdates } from './index-updates.js';
import type { MemoryStore } from './store/index.js';

export interface MemoryVectorsDeps {
  readonly db: Db;
  /** Which memories' chunks belong in the index (not COLD), and in which namespace. */
  readonly store: MemoryStore;
  readonly embedder: Embedder;
  readonly logger: Logger;
  /** The HNSW file, beside the database. */
  readonly indexPath: string;
  /** How often a changed index is written to disk (it is also written at shutdown). */
  readonly saveIntervalMs: number;
}

export interface VectorHit {
  readonly rowId: number;
  /** Cosine similarity of the best-matching chunk. */
  readonly score: number;
}

/** Chunk vectors ready to store for one memory. */
export type ChunkVectors = readonly Float32Array[];

/** vector_index_log.op */
const LOG_OP = { remove: 0, add: 1 } as const;

/**
 * Owns the vectors of memories: chunking and embedding before a write, storing int8 chunk
 * vectors in the write's transaction, and keeping the in-process HNSW index in step after commit.
 *
 * Every change to the indexed set bumps vector_index_state.change_seq and logs the labels it adds
 * and removes (vector_index_log) in the same transaction. The saved index file records the
 * change_seq it reflects; after a crash, start-up loads that file and replays the log after it,
 * and each successful save prunes the log up to what the file reflects.
 */
export async function createMemoryVectors(deps: MemoryVectorsDeps) {
  const { db, store, embedder, logger } = deps;
  const changeSeq = db.prepare<[], { change_seq: number }>('SELECT change_seq FROM vector_index_state WHERE id = 1');
  const bumpChangeSeq = db.prepare<[], { change_seq: number }>(
    'UPDATE vector_index_state SET change_seq = change_seq + 1 WHERE id = 1 RETURNING change_seq',
  );
  const appendLog = db.prepare<[number, number, number]>('INSERT INTO vector_index_log (change_seq, chunk_id, op) VALUES (?, ?, ?)');
  const pruneLogThrough = db.prepare<[number]>('DELETE FROM vector_index_log WHERE change_seq <= ?');
  const loggedChangeCount = db.prepare<[number], { changes: number }>(
    'SELECT COUNT(DISTINCT change_seq) AS changes FROM vector_index_log WHERE change_seq > ?',
  );
  // The last logged op of each label after a change: an add reads the chunk as it is now, so
  // earlier ops on the same label cannot change the outcome. A chunk that is gone or COLD now has
  // no vector, and is replayed as a removal whatever was logged.
  const loggedChanges = db.prepare<[number], { chunk_id: number; op: number; row_id: number | null; vector: Buffer | null }>(
    `SELECT l.chunk_id, l.op, c.row_id, c.vector
       FROM vector_index_log l
       JOIN (SELECT MAX(id) AS id FROM vector_index_log WHERE change_seq > ? GROUP BY chunk_id) last ON last.id = l.id
       LEFT JOIN memory_chunks c ON c.chunk_id = l.chunk_id
      ORDER BY l.id`,
  );
  const replayedVector = (row: { op: number; row_id: number | null; vector: Buffer | null }): Buffer | null =>
    row.op === LOG_OP.add && row.row_id !== null && store.isIndexed(row.row_id) ? row.vector : null;
  const chunksOf = db.prepare<[number], { chunk_id: number }>('SELECT chunk_id FROM memory_chunks WHERE row_id = ?');
  const insertChunk = db.prepare('INSERT INTO memory_chunks (row_id, chunk_index, vector) VALUES (?, ?, ?)');
  const deleteChunks = db.prepare('DELETE FROM memory_chunks WHERE row_id = ?');
  const storedChunks = db.prepare<[number], { chunk_id: number; vector: Buffer }>(
    'SELECT chunk_id, vector FROM memory_chunks WHERE row_id = ? ORDER BY chunk_index',
  );

  const owners = createChunkOwners();

  /** Deletes log rows a committed index file reflects; a failure only delays it to the next save. */
  const pruneLog = (through: number): void => {
    try {
      pruneLogThrough.run(through);
    } catch (error) {
      logger.warn('pruning the vector index change log failed; the next save retries', { error: String(error) });
    }
  };

  const startChange = changeSeq.get()?.change_seq ?? 0;
  const load: HnswLoadResult = await loadOrCreateHnswIndex(
    { dimensions: embedder.dimensions, path: deps.indexPath, logger },
    {
      lastChange: startChange,
      replay(from) {
        // Each change_seq logs at least one row, so a pruned (or never written) stretch shows as missing values.
        if (loggedChangeCount.get(from)?.changes !== startChange - from) return undefined;
        return (function* (): Iterable<IndexChange> {
          for (const row of loggedChanges.iterate(from)) {
            const vector = replayedVector(row);
            yield vector === null ? { op: 'remove', label: row.chunk_id } : { op: 'add', label: row.chunk_id, vector: dequantizeVector(vector) };
          }
        })();
      },
    },
    function* rebuild() {
      for (const row of store.indexedChunks()) yield { label: row.chunk_id, vector: dequantizeVector(row.vector) };
    },
  );
  const index: HnswIndex = load.index;
  for (const row of store.indexedChunkOwners()) owners.set(row.chunk_id, { rowId: row.row_id, namespace: row.namespace });
  if (load.loadedFrom === 'rebuilt') pruneLog((await index.save({ lastChange: startChange })).meta.lastChange);
  else pruneLog(load.loadedFrom === 'replayed' ? load.from : startChange); // rows left by a crash after a save

  // A replayed index is ahead of its file: the first periodic save writes it (and prunes the log).
  let dirty = load.loadedFrom === 'replayed';
  let saving: Promise<unknown> = Promise.resolve();
  const updates = createIndexUpdates({ index, owners, logger, onCommit: () => (dirty = true) });
  const save = () => {
    if (!dirty) return saving;
    dirty = false;
    saving = saving
      .then(async () => {
        // The file records the change_seq it reflects, so every committed change must be in the
        // index first (nothing can commit between this check and the synchronous snapshot).
        await updates.settled();
        // Only after the file is committed: the log must keep every change the file on disk lacks.
        const { meta } = await index.save({ lastChange: changeSeq.get()?.change_seq ?? 0 });
        pruneLog(meta.lastChange);
      })
      .catch((error: unknown) => {
        dirty = true;
        logger.error('saving the vector index failed; it will be retried', { error: String(error) });
      });
    return saving;
  };
  const saver = createPeriodicJob({
    intervalMs: deps.saveIntervalMs,
    run: save,
    onError: (error) => logger.error('saving the vector index failed; it will be retried', { error: String(error) }),
  });

  /** One change to the indexed set, inside the caller's transaction: bumps change_seq and logs it. */
  function recordChange(removed: readonly number[], added: readonly number[]): void {
    if (removed.length === 0 && added.length === 0) return; // nothing changed: no change_seq without log rows
    const seq = (bumpChangeSeq.get() as { change_seq: number }).change_seq;
    for (const label of removed) appendLog.run(seq, label, LOG_OP.remove);
    for (const label of added) appendLog.run(seq, label, LOG_OP.add);
  }

  /**
   * How a search stays inside a namespace: no filter at all when the namespace holds the whole
   * index; otherwise a filter, the exact count it lets through (a small namespace goes to the
   * exact path without sampling) and its labels, so that path scans only them.
   */
  function namespaceScope(namespace: string, allowedRowIds: ReadonlySet<number> | undefined): [LabelFilter?, SearchOptions?] {
    const labels = owners.labelsIn(namespace);
    if (allowedRowIds === undefined && labels.size === index.size()) return [];
    const filter = (label: number) => {
      const owner = owners.get(label);
      return owner?.namespace === namespace && (allowedRowIds === undefined || allowedRowIds.has(owner.rowId));
    };
    const allowedCount = allowedRowIds === undefined ? labels.size : Math.min(labels.size, allowedRowIds.size * 2);
    return [filter, { allowedCount, among: () => labels }];
  }

  function removeFromIndex(tx: Tx, rowId: number): void {
    const labels = chunksOf.all(rowId).map((c) => c.chunk_id);
    if (labels.length === 0) return;
    recordChange(labels, []);
    updates.remove(tx, labels);
  }

  return {
    loadedFrom: load.loadedFrom,

    /** Embeds each content's chunks (outside any transaction: inference is slow and async). */
    async embedContents(contents: readonly string[]): Promise<ChunkVectors[]> {
      // Chunking tokenizes on this thread (~0.3 ms a memory): a big batch yields between slices.
      const chunked = await mapInSlices(contents, (content) => embedder.chunk(content));
      const vectors = await embedder.embed(chunked.flat(), 'document');
      let next = 0;
      return chunked.map((chunks) => chunks.map(() => vectors[next++]!));
    },

    embedQuery(query: string): Promise<Float32Array> {
      return embedder.embed([query], 'query').then(([vector]) => vector!);
    },

    /** Replaces a memory's chunk vectors inside the caller's transaction. */
    store(tx: Tx, rowId: number, namespace: string, vectors: ChunkVectors): void {
      const removed = chunksOf.all(rowId).map((c) => c.chunk_id);
      deleteChunks.run(rowId);
      const added = vectors.map((vector, i) => ({
        label: Number(insertChunk.run(rowId, i, quantizeVector(vector)).lastInsertRowid),
        vector,
      }));
      // Removals first: a new chunk may reuse a removed chunk's id.
      recordChange(removed, added.map((a) => a.label));
      updates.remove(tx, removed);
      updates.add(tx, { rowId, namespace }, added);
    },

    /**
     * Resolves once every change committed so far is in the index: a writer awaits it before
     * answering, so what it acknowledged is searchable (other calls run between the slices).
     */
    applied: updates.applied,

    /** Takes a memory's vectors out of the index; call before deleting or archiving its row. */
    remove: removeFromIndex,

    /**
     * Puts a memory's stored (int8) chunk vectors back into the index, e.g. when a COLD memory is
     * re-warmed: no re-embedding, the chunks in SQLite are the source of truth.
     */
    restore(tx: Tx, rowId: number, namespace: string): void {
      const chunks = storedChunks.all(rowId);
      if (chunks.length === 0) return;
      recordChange([], chunks.map((c) => c.chunk_id));
      updates.add(tx, { rowId, namespace }, chunks.map((chunk) => ({ label: chunk.chunk_id, vector: dequantizeVector(chunk.vector) })));
    },

    /**
     * Nearest memories to `query` in a namespace. `allowedRowIds` narrows further (other filters,
     * computed by SQL); chunks are merged per memory, keeping the best chunk's score.
     */
    search(namespace: string, query: Float32Array, topK: number, allowedRowIds?: ReadonlySet<number>): VectorHit[] {
      // Long memories have several chunks; ask for more chunks than memories so merging still leaves topK.
      const hits = index.search(query, topK * 2, ...namespaceScope(namespace, allowedRowIds));
      const best = new Map<number, number>();
      for (const hit of hits) {
        const rowId = owners.get(hit.label)?.rowId;
        if (rowId !== undefined && !best.has(rowId)) best.set(rowId, hit.score);
      }
      return [...best].slice(0, topK).map(([rowId, score]) => ({ rowId, score }));
    },

    size: () => index.size(),
    save,
    /** Starts the periodic saves. */
    start: saver.start,
    /** Stops the periodic saves and writes the index if it changed. */
    async stop(): Promise<void> {
      await saver.stop();
      await save();
    },
  };
}

export type MemoryVectors = Awaited<ReturnType<typeof createMemoryVectors>>;
